import { createActor, type Actor, type AnyStateMachine, type EventFrom, type InspectionEvent, type Observer } from 'xstate';
import { explainRefusal, stateName } from '../machines/explain.js';
import type { Recorder } from '../records/recorder.js';
import type { MachineName } from '../records/record.js';

export type Inspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * A started actor of one machine, through which the Godot-facing classes send every event:
 * an event is sent only if the machine takes it, and each one taken becomes a transition record.
 */
export class MachineHandle<M extends AnyStateMachine> {
  readonly actor: Actor<M>;

  constructor(
    readonly name: MachineName,
    readonly machine: M,
    private readonly recorder: Recorder,
    private readonly channel?: () => string,
    inspect?: Inspector,
  ) {
    this.actor = createActor(machine, (inspect ? { inspect } : {}) as never);
    this.actor.subscribe({ error: (error) => console.error(`webrtc-statecharts: the ${machine.id} machine stopped`, error) });
    this.actor.start();
  }

  get state(): string {
    return stateName(this.actor.getSnapshot());
  }

  can(event: EventFrom<M>): boolean {
    return this.snapshot().can(event);
  }

  /** Sends `event` if the machine takes it and records the transition; false (nothing sent) if not. */
  send(event: EventFrom<M>): boolean {
    const snapshot = this.snapshot();
    if (!snapshot.can(event)) return false;
    const from = stateName(snapshot);
    this.actor.send(event);
    this.recorder.add({
      kind: 'transition',
      machine: this.name,
      from,
      event: describeEvent(event),
      to: this.state,
      ...(this.channel ? { channel: this.channel() } : {}),
    });
    return true;
  }

  private snapshot(): { can(event: EventFrom<M>): boolean; value: unknown } {
    return this.actor.getSnapshot() as never;
  }

  /** Why the machine does not take `event` now. */
  explain(event: EventFrom<M>, guardReasons?: Record<string, (context: any, event: any) => string>): string {
    return explainRefusal(this.machine, this.actor.getSnapshot(), event, guardReasons);
  }
}

/** `set_remote_description(offer)`, `stack.connection_state(connected)`, `close`. */
export function describeEvent(event: { type: string }): string {
  const argument = (event as { sdpType?: string }).sdpType ?? (event as { state?: string }).state;
  return argument === undefined ? event.type : `${event.type}(${argument})`;
}
