/** Argument checks shared by the Godot-facing classes. A failed check is an ERR_INVALID_PARAMETER refusal. */
export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Check<T> => ({ ok: true, value });
export const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** A short, safe description of a value for a refusal's reason (never its full content). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'string') return value.length > 40 ? `a String of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'Object'}`;
  return typeof value;
}
