/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = head.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[], numeric: boolean[]) => '| ' + row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ') + ' |';
  const numericColumns = head.map((_, i) => rows.every((row) => typeof row[i] === 'number' || /^-?[\d.]+$/.test(String(row[i]))));
  return [line(head, head.map(() => false)), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.slice(1).map((row) => line(row, numericColumns))].join('\n');
}

export interface Goal {
  name: string;
  met: boolean;
  figure: string;
}

export const goal = (name: string, met: boolean, figure: string): Goal => ({ name, met, figure });
