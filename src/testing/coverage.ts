import type { AnyStateMachine } from 'xstate';
import { observeRecords } from '../records/recorder.js';
import type { ConnectionRecord, MachineName } from '../records/record.js';
import { MACHINES, type ModelMachineName } from './events.js';
import { edgeKey, machineEdges, machineStates, type ModelEdge } from './paths.js';

/**
 * Which states and transitions of the machines a test run reached, per source (say `loopback`
 * and `scripted`), counted against every state and every transition the machines have (as
 * `machineEdges` enumerates them). Feed it transition records (`observe` does it for every
 * connection whose records you choose), or mark a transition yourself with `take`.
 *
 * @example
 * ```ts
 * const coverage = new ModelCoverage();
 * const stop = coverage.observe((record) => (record.connection.startsWith('svc-') ? 'my service' : null));
 * // ... run the service's tests ...
 * stop();
 * console.log(coverage.table(['my service']));
 * ```
 */
export class ModelCoverage {
  readonly edges: Record<ModelMachineName, ModelEdge[]>;
  readonly states: Record<ModelMachineName, string[]>;
  private readonly taken = new Map<string, Map<ModelMachineName, Set<string>>>();

  constructor(machines: Record<ModelMachineName, AnyStateMachine> = MACHINES) {
    this.edges = {} as Record<ModelMachineName, ModelEdge[]>;
    this.states = {} as Record<ModelMachineName, string[]>;
    for (const [name, machine] of Object.entries(machines) as Array<[ModelMachineName, AnyStateMachine]>) {
      this.edges[name] = machineEdges(machine);
      this.states[name] = machineStates(machine);
    }
  }

  /** Marks a transition as taken by `source`; false if the machine has no such transition. */
  take(source: string, machine: ModelMachineName, from: string, label: string, to: string): boolean {
    const key = edgeKey(from, label, to);
    if (!this.edges[machine].some((edge) => edge.key === key)) return false;
    let bySource = this.taken.get(source);
    if (!bySource) this.taken.set(source, (bySource = new Map()));
    let keys = bySource.get(machine);
    if (!keys) bySource.set(machine, (keys = new Set()));
    keys.add(key);
    return true;
  }

  /** Takes every transition record whose connection `sourceOf` names a source for; returns a function that stops. */
  observe(sourceOf: (record: ConnectionRecord) => string | null): () => void {
    return observeRecords((record) => {
      if (record.kind !== 'transition') return;
      const source = sourceOf(record);
      if (source !== null) this.take(source, record.machine as MachineName as ModelMachineName, record.from, record.event, record.to);
    });
  }

  /** The transitions `source` took of `machine` (edge keys); every source's when `source` is omitted. */
  takenBy(machine: ModelMachineName, source?: string): Set<string> {
    const result = new Set<string>();
    for (const [name, bySource] of this.taken) {
      if (source !== undefined && name !== source) continue;
      for (const key of bySource.get(machine) ?? []) result.add(key);
    }
    return result;
  }

  /** States reached: the initial state, and every state a taken transition goes to. */
  reachedBy(machine: ModelMachineName, source?: string): Set<string> {
    const reached = new Set<string>([this.states[machine][0]!]);
    const taken = this.takenBy(machine, source);
    for (const edge of this.edges[machine]) if (taken.has(edge.key)) reached.add(edge.to);
    return reached;
  }

  /** The transitions of `machine` no source in `sources` took. */
  missing(machine: ModelMachineName, sources?: string[]): ModelEdge[] {
    const taken = new Set<string>();
    for (const source of sources ?? [undefined]) for (const key of this.takenBy(machine, source)) taken.add(key);
    return this.edges[machine].filter((edge) => !taken.has(edge.key));
  }

  summary(sources: string[]): Array<{ machine: ModelMachineName; source: string; states: [number, number]; transitions: [number, number] }> {
    const rows = [];
    for (const machine of Object.keys(this.edges) as ModelMachineName[]) {
      for (const source of [...sources, 'all']) {
        const from = source === 'all' ? undefined : source;
        rows.push({
          machine,
          source,
          states: [this.reachedBy(machine, from).size, this.states[machine].length] as [number, number],
          transitions: [this.takenBy(machine, from).size, this.edges[machine].length] as [number, number],
        });
      }
    }
    return rows;
  }

  /** A small table: per machine, states reached and transitions taken, per source and in all. */
  table(sources: string[]): string {
    const header = ['machine', ...sources.flatMap((s) => [`states (${s})`, `transitions (${s})`]), 'states (all)', 'transitions (all)'];
    const lines = [header];
    const rows = this.summary(sources);
    for (const machine of Object.keys(this.edges) as ModelMachineName[]) {
      const cells: string[] = [machine];
      for (const source of [...sources, 'all']) {
        const row = rows.find((r) => r.machine === machine && r.source === source)!;
        cells.push(`${row.states[0]}/${row.states[1]}`, `${row.transitions[0]}/${row.transitions[1]}`);
      }
      lines.push(cells);
    }
    const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
    return lines.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
  }
}
