/**
 * What must never reach a record: TURN credentials (`username`, `credential`, and a password
 * spelled in a URL's `user:password@`), and the ICE password of an SDP (`a=ice-pwd:`).
 * The recorder passes every record through `redactRecord` before it keeps or hands it out, and
 * the audit sinks do it again for anything written to them directly.
 *
 * @example
 * ```ts
 * redactText('a=ice-ufrag:Xy\r\na=ice-pwd:s3cr3t');   // 'a=ice-ufrag:Xy\r\na=ice-pwd:[redacted]'
 * redactValue({ urls: 'turn:h', username: 'u', credential: 'p' });
 * // { urls: 'turn:h', username: '[redacted]', credential: '[redacted]' }
 * ```
 */
export const REDACTED = '[redacted]';

/** Keys whose values are replaced wherever they occur in a record, at any depth. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['credential', 'username', 'password', 'ice-pwd', 'icePwd']);

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // SDP: a=ice-pwd:<password> (RFC 8839), also without "a=" and inside JSON text.
  [/(ice-pwd:)[^\s"'\\,;]+/gi, `$1${REDACTED}`],
  // A key/value spelled in text: credential="..", "username": "..", password=..
  [/(\b(?:credential|username|password)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}]+)/gi, `$1"${REDACTED}"`],
  // turn:user:password@host and friends.
  [/\b((?:turns?|stuns?|https?|wss?):(?:\/\/)?)[^@\s/"']+@/gi, `$1${REDACTED}@`],
];

/** `text` with every secret it spells replaced by `[redacted]`. */
export function redactText(text: string): string {
  if (!mayHoldSecret(text)) return text;
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** A copy of `value` (objects, arrays, strings at any depth) with secrets replaced; the same value when it holds none. */
export function redactValue<T>(value: T): T {
  return redactAny(value, 0) as T;
}

/** A record with its secrets replaced: what the recorder keeps and every sink writes. */
export function redactRecord<R extends object>(record: R): R {
  return redactAny(record, 0) as R;
}

function redactAny(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const copy = value.map((item) => {
      const redacted = redactAny(item, depth + 1);
      if (redacted !== item) changed = true;
      return redacted;
    });
    return changed ? copy : value;
  }
  let copy: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    const redacted = SECRET_KEYS.has(key) && item !== undefined && item !== null ? REDACTED : redactAny(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = redacted;
    }
  }
  return copy ?? value;
}

function mayHoldSecret(text: string): boolean {
  return /ice-pwd|credential|username|password|@/i.test(text);
}
