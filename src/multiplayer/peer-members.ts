/** The first of `methods` (as `name()`) or `signals` (as `name signal`, needing connect and disconnect) that `peer` lacks; null if it has every one. */
export function firstMissingMember(peer: unknown, methods: readonly string[], signals: readonly string[]): string | null {
  if (peer === null || typeof peer !== 'object') return 'methods at all';
  const record = peer as Record<string, unknown>;
  for (const name of methods) if (typeof record[name] !== 'function') return `${name}()`;
  for (const name of signals) {
    const signal = record[name] as { connect?: unknown; disconnect?: unknown } | undefined;
    if (typeof signal?.connect !== 'function' || typeof signal.disconnect !== 'function') return `${name} signal`;
  }
  return null;
}
