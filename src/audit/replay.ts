import { createActor, type AnyActorRef, type AnyStateMachine, type EventObject } from 'xstate';
import { stateName } from '../machines/explain.js';
import type { StackAnomalyRecord, TransitionRecord } from '../records/record.js';

/** One machine, replayed: a real actor of the real machine. */
export class Replay {
  private actor: AnyActorRef;

  constructor(
    readonly machine: AnyStateMachine,
    private readonly input?: unknown,
  ) {
    this.actor = createActor(machine, { input }).start();
  }

  get state(): string {
    return stateName(this.actor.getSnapshot());
  }

  get context(): unknown {
    return this.actor.getSnapshot().context;
  }

  has(state: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.machine.root.states, state);
  }

  can(event: EventObject): boolean {
    return this.actor.getSnapshot().can(event);
  }

  send(event: EventObject): void {
    this.actor.send(event);
  }

  /** Carries on from `state` (keeping the context the replay built), after a problem. */
  resync(state: string): void {
    if (!this.has(state) || state === this.state) return;
    const context = this.actor.getSnapshot().context;
    this.actor.stop();
    this.actor = createActor(this.machine, { snapshot: this.machine.resolveState({ value: state, context }), input: this.input }).start();
  }
}

export type Problem = (message: string) => void;

/**
 * Replays one transition record into its machine: the machine must be in the record's `from`,
 * take the event, and land in its `to`. After a problem the replay carries on from what the
 * record says, so one forged line is one problem. Returns whether the event was taken.
 */
export function replayTransition(replay: Replay, who: string, event: EventObject | string, record: TransitionRecord, problem: Problem): boolean {
  if (typeof event === 'string') {
    problem(`${who}: ${event}`);
    return false;
  }
  if (!replay.has(record.from)) {
    problem(`${who} has no state ${JSON.stringify(record.from)}`);
    return false;
  }
  if (!replay.has(record.to)) {
    problem(`${who} has no state ${JSON.stringify(record.to)}`);
    return false;
  }
  if (replay.state !== record.from) {
    problem(`${who} was in ${replay.state}, but the record says it went from ${record.from}`);
    replay.resync(record.from);
  }
  if (!replay.can(event)) {
    replay.resync(record.to);
    problem(`${who} does not take ${record.event} in ${record.from}: not a legal transition`);
    return false;
  }
  replay.send(event);
  if (replay.state !== record.to) {
    const landed = replay.state;
    replay.resync(record.to);
    problem(`${who} goes from ${record.from} on ${record.event} to ${landed}, not to ${record.to}: not a legal transition`);
    return false;
  }
  return true;
}

/** A stack anomaly must find its machine in its state, not taking its event. */
export function replayAnomaly(replay: Replay, who: string, event: EventObject | string, record: StackAnomalyRecord, problem: Problem): void {
  if (replay.state !== record.state) {
    problem(`stack anomaly: ${who} was in ${replay.state}, but the record says ${record.state}`);
    replay.resync(record.state);
  }
  if (typeof event === 'string') return problem(`stack anomaly: ${event}`);
  if (replay.can(event)) problem(`stack anomaly: ${who} takes ${record.event} in ${record.state}, so it is no anomaly`);
}
