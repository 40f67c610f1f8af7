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

/**
 * Each pattern is linear in its input: a keyword, then a run that either matches or stops at the
 * first character that cannot continue it, with nothing to backtrack into. Records carry text a
 * remote peer chose (labels, mids), so a pattern that backtracks would let it freeze the process.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // SDP: a=ice-pwd:<password> (RFC 8839), also without "a=" and inside JSON text.
  [/(ice-pwd:)[^\s"'\\,;]+/gi, `$1${REDACTED}`],
  // A key/value spelled in text: credential="..", "username": "..", password=..
  [/(\b(?:credential|username|password)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}]+)/gi, `$1"${REDACTED}"`],
];

/** `text` with every secret it spells replaced by `[redacted]`. */
export function redactText(text: string): string {
  if (!mayHoldSecret(text)) return text;
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return redactUserinfo(result);
}

/** Characters a URL's `user:password` part cannot hold: where a backward scan from its `@` stops. */
const NOT_USERINFO = /[@\s/"']/;
const URL_SCHEME = /\b(?:turns?|stuns?|https?|wss?):/i;
const SCHEME_BEFORE_SLASHES = /\b(?:turns?|stuns?|https?|wss?):\/\/$/i;

/**
 * `turn:user:password@host` and friends (`turns:`, `stun(s):`, `http(s)://`, `ws(s)://`): the part
 * between the scheme and `@` becomes `[redacted]`. Found from each `@` backwards over the run of
 * characters a userinfo can hold, so every character is looked at a bounded number of times
 * (the regular expression this replaces, /scheme:[^@]+@/, rescanned to the end of the text from
 * every scheme it met: 0.5 s for 48 KiB of `ws:`).
 */
function redactUserinfo(text: string): string {
  let at = text.indexOf('@');
  if (at < 0) return text;
  let result = '';
  let copied = 0;
  while (at >= 0) {
    let start = at;
    while (start > copied && !NOT_USERINFO.test(text[start - 1]!)) start--;
    const run = text.slice(start, at);
    const scheme = URL_SCHEME.exec(run);
    // `scheme:user@` inside the run; or `scheme://user@`, whose slashes end the run.
    const prefixEnd =
      scheme !== null && scheme.index + scheme[0].length < run.length ? start + scheme.index + scheme[0].length
      : run.length > 0 && SCHEME_BEFORE_SLASHES.test(text.slice(Math.max(copied, start - 10), start)) ? start
      : -1;
    if (prefixEnd >= 0) {
      result += `${text.slice(copied, prefixEnd)}${REDACTED}@`;
      copied = at + 1;
    }
    at = text.indexOf('@', at + 1);
  }
  return copied === 0 ? text : result + text.slice(copied);
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
