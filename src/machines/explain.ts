import type { AnyStateMachine, SnapshotFrom } from 'xstate';

type GuardReasons = Record<string, (context: any, event: any) => string>;

/**
 * Says why `snapshot.can(event)` is false, read from the machine's own definition: either the
 * current state has no transition for the event at all, or every transition it has is guarded
 * and the guards said no (then the guards' own reasons are given).
 */
export function explainRefusal(
  machine: AnyStateMachine,
  snapshot: SnapshotFrom<AnyStateMachine>,
  event: { type: string },
  guardReasons: GuardReasons = {},
): string {
  const state = stateName(snapshot);
  const node = machine.getStateNodeById(`${machine.id}.${state}`);
  const candidates = node.on[event.type] ?? [];
  const reasons = new Set<string>();
  for (const transition of candidates) {
    const guard = transition.guard;
    const name = typeof guard === 'string' ? guard : (guard as { type?: string } | undefined)?.type;
    const reason = name ? guardReasons[name] : undefined;
    if (reason) reasons.add(reason(snapshot.context, event));
  }
  if (reasons.size > 0) return [...reasons].join('; ');
  return `${event.type}${describeArgument(event)} is not allowed in ${machine.id} state ${state}`;
}

/** The name of the active state of a flat machine. */
export function stateName(snapshot: { value: unknown }): string {
  return typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
}

function describeArgument(event: { type: string }): string {
  const sdpType = (event as { sdpType?: string }).sdpType;
  return sdpType ? `("${sdpType}")` : '';
}
