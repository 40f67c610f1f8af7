import { setup } from 'xstate';
import type { GatheringEvent, NativeGatheringState } from './events.js';

/**
 * ICE candidate gathering (Godot's GatheringState), driven by the stack. Gathering can go back
 * from complete to gathering (a new interface or ICE server, as Godot's docs say). GatheringState
 * has no closed value: after `close()` the stack is detached and the state stays where it was,
 * as Godot's getter does; `initialize` starts it again from new.
 */
export type GatheringStateName = NativeGatheringState;

const reported = (state: NativeGatheringState) => ({ guard: { type: 'reported' as const, params: { state } }, target: state });

export const gatheringMachine = setup({
  types: {
    context: {} as Record<string, never>,
    events: {} as GatheringEvent,
  },
  guards: {
    reported: ({ event }, params: { state: NativeGatheringState }) =>
      event.type === 'stack.gathering_state' && event.state === params.state,
  },
}).createMachine({
  id: 'gathering',
  initial: 'new',
  context: {},
  on: {
    initialize: { target: '.new' },
  },
  states: {
    new: {
      on: { 'stack.gathering_state': [reported('gathering'), reported('complete')] },
    },
    gathering: {
      on: { 'stack.gathering_state': [reported('complete')] },
    },
    complete: {
      on: { 'stack.gathering_state': [reported('gathering')] },
    },
  },
});
