import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../src/limits.js';

/**
 * The README's table of limits, printed from src/limits.ts: each field's doc comment is its
 * row, `DEFAULT_LIMITS` its default. One place says what each limit is.
 */
export function limitsTableMarkdown(): string {
  const source = readFileSync(new URL('../src/limits.ts', import.meta.url), 'utf8');
  const body = source.slice(source.indexOf('export interface Limits {'), source.indexOf('export const DEFAULT_LIMITS'));
  const lines = ['| limit | default | what it bounds, and what happens past it |', '|---|---|---|'];
  const documented = new Set<string>();
  for (const match of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+):/g)) {
    const name = match[2] as keyof Limits;
    const text = match[1]!.split('\n').map((line) => line.replace(/^\s*\*\s?/, '').trim()).filter(Boolean).join(' ');
    lines.push(`| \`${name}\` | ${formatDefault(name, DEFAULT_LIMITS[name])} | ${text.replace(/\|/g, '\\|')} |`);
    documented.add(name);
  }
  const missing = Object.keys(DEFAULT_LIMITS).filter((name) => !documented.has(name));
  if (missing.length > 0) throw new Error(`src/limits.ts: no doc comment for ${missing.join(', ')}`);
  return lines.join('\n');
}

/** Sizes in KiB and MiB, counts as they are. */
function formatDefault(name: string, value: number | string): string {
  if (typeof value === 'string') return `\`'${value}'\``;
  if (!/Bytes$/.test(name)) return value.toLocaleString('en-US');
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value / (1024 * 1024)} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KiB`;
  return String(value);
}
