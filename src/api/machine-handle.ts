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
  type InputFrom,
} from 'xstate';
import { explainRefusal, stateName } from '../machines/explain.js';
import type { Recorder } from '../records/recorder.js';
import { isOwnMultiplayerMachine, registerMultiplayerMachine } from '../records/multiplayers.js';
import type { MachineName } from '../records/record.js';
import { log } from '../log.js';

/** A machine's snapshot, its context typed. */
export type HandleSnapshot<M extends AnyStateMachine> = AnyMachineSnapshot & { readonly context: ContextFrom<M> };

export type Inspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

export interface HandleOptions<M extends AnyStateMachine> {
  /** The channel's `label#id`, for a data channel's records. */
  channel?: () => string;
  /** Runs a real actor with this inspector, so that xstate's inspection events are emitted. */
  inspect?: Inspector;
  /** The machine's input, for machines that take one (the signaling service's). */
  input?: InputFrom<M>;
  /** How a record names an event taken (default `describeEvent`); it must name what a replay needs and no secret. */
  describe?: (event: EventFrom<M>) => string;
}

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

  private readonly channel: (() => string) | undefined;
  private readonly describe: (event: EventFrom<M>) => string;

  constructor(
    readonly name: MachineName,
    readonly machine: M,
    private readonly recorder: Recorder,
    options: HandleOptions<M> = {},
  ) {
    const { inspect, input } = options;
    this.channel = options.channel;
    this.describe = options.describe ?? describeEvent;
    if (inspect) {
      this.actor = createActor(machine, { inspect, input } as never);
      this.actor.subscribe({ error: (error) => log('error', 'library', `the ${machine.id} machine stopped`, error) });
      this.actor.start();
    } else {
      const stepping = steppingOf(machine);
      this.scope = stepping.scope;
      this.current = (input === undefined ? stepping.initial : machine.getInitialSnapshot(stepping.scope, input)) as HandleSnapshot<M>;
    }
    // So that the inspector finds a multiplayer made before it started (as connections.ts lets it find connections).
    if (isOwnMultiplayerMachine(name)) registerMultiplayerMachine(this, recorder);
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
      event: this.describe(event),
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

/** The event fields a record names, the first one an event has: `set_remote_description(offer)`, `stack.connection_state(connected)`, `join(5)`. */
const ARGUMENTS = ['sdpType', 'state', 'limit', 'timeout', 'close', 'id', 'protocol', 'code', 'command'] as const;

/**
 * `set_remote_description(offer)`, `stack.connection_state(connected)`, `limit_exceeded(maxQueuedPackets)`,
 * `timed_out(setup)`, `close`; for the signaling service `create_lobby(4)` (the protocol),
 * `join(5)` (the id), `bad_frame(invalidDestination)`, `socket_closed(1006)`. Never a lobby's name
 * or a frame's data.
 */
export function describeEvent(event: { type: string }): string {
  const fields = event as unknown as Record<string, unknown>;
  for (const key of ARGUMENTS) {
    const argument = fields[key];
    if (argument !== undefined) return `${event.type}(${String(argument)})`;
  }
  return event.type;
}
