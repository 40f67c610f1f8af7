/** Helpers for benchmarks that poll: a spin on setImmediate, so that native callbacks still run between turns. */

export const now = () => performance.now();
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `step` on every turn of the event loop until it returns true, or rejects after
 * `timeoutMs`. Each turn lets libuv deliver native callbacks first (setImmediate), so this is
 * "as soon as poll() can see it" without sleeping.
 */
export function spinUntil(step: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs;
  return new Promise((resolve) => {
    const turn = () => {
      let done = false;
      try {
        done = step();
      } catch (error) {
        console.error(error);
        return resolve(false);
      }
      if (done) return resolve(true);
      if (now() > deadline) return resolve(false);
      setImmediate(turn);
    };
    turn();
  });
}

/** True for a loopback IPv4 candidate line (`candidate:` with or without `a=`): the benches keep all traffic on 127.0.0.1. */
export function isLoopbackCandidate(candidate: string): boolean {
  const fields = candidate.replace(/^a=/, '').split(' ');
  return fields[4] === '127.0.0.1';
}
