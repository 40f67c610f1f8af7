/**
 * CPU time of this process's threads, from Linux's /proc/self/task/<tid>/schedstat (its first
 * field: ns on a CPU): the main thread (tid = pid: JS, and the native calls JS makes) apart from the
 * others (libdatachannel's and libjuice's threads, libuv's pool, V8's GC helpers). Null where there
 * is no /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type ThreadTimes = Map<number, { ns: number; name: string }>;

export function threadTimes(): ThreadTimes | null {
  try {
    const times: ThreadTimes = new Map();
    // A process has dozens of threads, not more: the list is bounded by what the kernel lists.
    for (const tid of readdirSync('/proc/self/task').slice(0, 4096)) {
      try {
        const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        times.set(Number(tid), { ns, name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() });
      } catch {
        /* the thread ended meanwhile */
      }
    }
    return times;
  } catch {
    return null;
  }
}

export interface ThreadDelta {
  mainUs: number;
  othersUs: number;
  threads: number;
  /** The others by thread name (/proc's comm: V8's "V8 DefaultWorke", libuv's "libuv-worker", ...). */
  byName: Record<string, number>;
}

/** µs on a CPU between two readings: the main thread, and all the others (a thread born in between counts from 0). */
export function threadDelta(before: ThreadTimes | null, after: ThreadTimes | null): ThreadDelta | null {
  if (before === null || after === null) return null;
  let mainNs = 0;
  let othersNs = 0;
  const byName: Record<string, number> = {};
  for (const [tid, { ns, name }] of after) {
    const delta = ns - (before.get(tid)?.ns ?? 0);
    if (tid === process.pid) mainNs += delta;
    else {
      othersNs += delta;
      byName[name] = (byName[name] ?? 0) + Math.round(delta / 1000);
    }
  }
  return { mainUs: Math.round(mainNs / 1000), othersUs: Math.round(othersNs / 1000), threads: after.size, byName };
}
