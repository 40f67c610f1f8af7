import type { AnyStateMachine, EventObject, InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { MachineHandle } from '../../src/api/machine-handle.js';
import { Recorder } from '../../src/records/recorder.js';
import { MACHINES, MODEL_EVENTS, generatePaths, type ModelMachineName } from '../../src/testing/index.js';

const NAMES = Object.keys(MACHINES) as ModelMachineName[];

/** Sends every event of the machine's vocabulary after each step of the path, so refusals are compared too. */
function replay(machine: AnyStateMachine, name: ModelMachineName, path: EventObject[], inspect?: (event: InspectionEvent) => void) {
  const recorder = new Recorder('pc-test');
  const handle = new MachineHandle(name, machine, recorder, { inspect });
  const trace: unknown[] = [];
  for (const event of path) {
    trace.push(MODEL_EVENTS[name].map((probe) => handle.can(probe as never)));
    trace.push(handle.send(event as never), handle.state, handle.snapshot.context);
  }
  return { trace, records: recorder.list().map(({ machine, from, event, to }: any) => ({ machine, from, event, to })), handle };
}

describe('MachineHandle: stepping snapshots without an actor, and a running actor when inspected', () => {
  for (const name of NAMES) {
    it(`takes, refuses and records the same as a running actor on every generated path of the ${name} machine`, () => {
      const machine = MACHINES[name] as AnyStateMachine;
      const paths = generatePaths(machine, { strategy: 'simple', events: MODEL_EVENTS[name] as never });
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        const events = path.steps.map((step) => step.event as EventObject);
        const stepped = replay(machine, name, events);
        const inspected: InspectionEvent[] = [];
        const acting = replay(machine, name, events, (event) => inspected.push(event));
        expect(stepped.handle.actor).toBeUndefined();
        expect(acting.handle.actor).toBeDefined();
        expect(stepped.trace).toEqual(acting.trace);
        expect(stepped.records).toEqual(acting.records);
        expect(stepped.records).toHaveLength(events.length);
        expect(inspected.filter((event) => event.type === '@xstate.event').length).toBeGreaterThanOrEqual(events.length);
      }
    });
  }

  it('does not share state between handles of the same machine (the initial snapshot and the scope are shared)', () => {
    const first = new MachineHandle('dataChannel', MACHINES.dataChannel, new Recorder('a'));
    const second = new MachineHandle('dataChannel', MACHINES.dataChannel, new Recorder('b'));
    expect(first.send({ type: 'stack.open' })).toBe(true);
    expect(first.state).toBe('open');
    expect(second.state).toBe('connecting');
  });
});
