/**
 * Text a remote peer chose (a channel's label, a mid, an excerpt of its SDP) is cut to a stated
 * length wherever it goes into a record or a reason, so that a record costs bounded space and
 * time whatever the remote sent. The cut says how much it left out.
 *
 * @example
 * ```ts
 * cutText('x'.repeat(300), 256); // 'xxx…x… (44 more characters)', 256 characters of x
 * ```
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // Never leave half of a surrogate pair at the end.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
