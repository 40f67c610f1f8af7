import {
  createActor,
  type Actor,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFrom,
  type InspectionEvent,
  type Observer,
  type ContextFrom,
} from 'xstate';
import { explainRefusal, stateName } from '../machines/explain.js';
import type { Recorder } from '../records/recorder.js';
import type { MachineName } from '../records/record.js';
import { log } from '../log.js';

/** A machine's snapshot, its context typed. */
export type HandleSnapshot<M extends AnyStateMachine> = AnyMachineSnapshot & { readonly context: ContextFrom<M> };

export type Inspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * One machine of a connection or channel, through which the Godot-facing classes send every
 * event: an event is sent only if the machine takes it, and each one taken becomes a transition
 * record.
 *
 * Without an inspector the handle steps an immutable snapshot with the machine's own
 * `transition(snapshot, event, scope)`: a started actor costs about 3.5 KB of heap, a snapshot
 * about 0.5 KB (the initial one is shared), and a thousand connections hold four machines each
 * (BENCHMARKS.md). With an inspector, a real actor runs the machine, so that xstate's inspection
 * events (`@xstate.actor`, `@xstate.event`, ...) are emitted.
 */
export class MachineHandle<M extends AnyStateMachine> {
  /** The running actor, only when the connection was created with `inspect`. */
  readonly actor: Actor<M> | undefined;
  private current: HandleSnapshot<M> | undefined;
  private changed: number | null = null;
  /** Called after each transition that changes the state, with the state left and the one entered (never inside user code: it only queues). */
  onStateChange: ((from: string, to: string) => void) | null = null;
  /** The scope the snapshot is stepped through, shared by every handle of this machine (without an actor). */
  private readonly scope: AnyActorScope | undefined;

  constructor(
    readonly name: MachineName,
    readonly machine: M,
    private readonly recorder: Recorder,
    private readonly channel?: () => string,
    inspect?: Inspector,
  ) {
    if (inspect) {
      this.actor = createActor(machine, { inspect } as never);
      this.actor.subscribe({ error: (error) => log('error', 'library', `the ${machine.id} machine stopped`, error) });
      this.actor.start();
    } else {
      const stepping = steppingOf(machine);
      this.scope = stepping.scope;
      this.current = stepping.initial as HandleSnapshot<M>;
    }
  }

  /** The machine's current xstate snapshot. */
  get snapshot(): HandleSnapshot<M> {
    return this.actor ? (this.actor.getSnapshot() as unknown as HandleSnapshot<M>) : this.current!;
  }

  get state(): string {
    return stateName(this.snapshot);
  }

  can(event: EventFrom<M>): boolean {
    return this.snapshot.can(event);
  }

  /** Sends `event` if the machine takes it and records the transition; false (nothing sent) if not. */
  send(event: EventFrom<M>): boolean {
    const snapshot = this.snapshot;
    if (!snapshot.can(event)) return false;
    const from = stateName(snapshot);
    if (this.actor) this.actor.send(event);
    else this.current = this.machine.transition(snapshot, event, this.scope!) as HandleSnapshot<M>;
    const to = this.state;
    this.changed = this.recorder.add({
      kind: 'transition',
      machine: this.name,
      from,
      event: describeEvent(event),
      to,
      ...(this.channel ? { channel: this.channel() } : {}),
    }).monotonic;
    if (this.onStateChange !== null && to !== from) this.onStateChange(from, to);
    return true;
  }

  /** When the machine last took an event (monotonic ms, its transition record's `monotonic`); null before it has. */
  get changedAt(): number | null {
    return this.changed;
  }

  /** Why the machine does not take `event` now. */
  explain(event: EventFrom<M>, guardReasons?: Record<string, (context: any, event: any) => string>): string {
    return explainRefusal(this.machine, this.snapshot, event, guardReasons);
  }
}

interface Stepping {
  readonly scope: AnyActorScope;
  readonly initial: AnyMachineSnapshot;
}

const steppings = new WeakMap<AnyStateMachine, Stepping>();

/**
 * One actor scope per machine, shared by every handle that steps it. xstate's exported
 * `transition()` builds a new actor and two actor systems on every call (about 14 µs); the
 * machines spawn nothing, delay nothing and emit nothing, so a scope whose actor never starts is
 * all a step needs. Actions run as an actor runs them (today they are all `assign`s, applied
 * inside the step, and no-ops).
 */
function steppingOf(machine: AnyStateMachine): Stepping {
  let stepping = steppings.get(machine);
  if (!stepping) {
    const self = createActor(machine);
    const scope: AnyActorScope = {
      self,
      id: self.id,
      sessionId: self.sessionId,
      logger: () => {},
      defer: () => {},
      system: self.system,
      stopChild: () => {},
      emit: () => {},
      actionExecutor: (action) => void action.exec?.(action.info, action.params),
    };
    stepping = { scope, initial: machine.getInitialSnapshot(scope) };
    steppings.set(machine, stepping);
  }
  return stepping;
}

/** `set_remote_description(offer)`, `stack.connection_state(connected)`, `limit_exceeded(maxQueuedPackets)`, `timed_out(setup)`, `close`. */
export function describeEvent(event: { type: string }): string {
  const argument =
    (event as { sdpType?: string }).sdpType ?? (event as { state?: string }).state ?? (event as { limit?: string }).limit ?? (event as { timeout?: string }).timeout;
  return argument === undefined ? event.type : `${event.type}(${argument})`;
}
