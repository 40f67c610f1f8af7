import { errorName } from '../src/godot/constants.js';
import { REFUSALS } from '../src/refusal-table.js';

/** The README's refusal table, printed from src/refusal-table.ts. */
export function refusalTableMarkdown(): string {
  const lines = ['| call | refused when | code | returns |', '|---|---|---|---|'];
  for (const row of REFUSALS) {
    const returns = row.returns ?? (/returns nothing/.test(row.when) ? '(void)' : 'the code');
    lines.push(`| \`${row.method.replace(/`/g, '')}\` | ${row.when} | \`${errorName(row.code)}\` (${row.code}) | ${returns} |`);
  }
  return lines.join('\n');
}
