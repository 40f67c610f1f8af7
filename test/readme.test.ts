import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { refusalTableMarkdown } from '../scripts/refusal-table.js';
import { limitsTableMarkdown } from '../scripts/limits-table.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('carries the refusal table exactly as src/refusal-table.ts gives it (run npm run docs)', () => {
    expect(readme).toContain(refusalTableMarkdown());
  });

  it('carries the table of limits exactly as the doc comments and defaults of src/limits.ts give it (run npm run docs)', () => {
    expect(readme).toContain(limitsTableMarkdown());
  });

  it('gives the two commands that set up and use the project, and .ci/run runs the test one', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('bash scripts/test.sh');
    const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    expect(ci.trim().split('\n').slice(-2)).toEqual(['bash scripts/test.sh', 'bash scripts/test-godot3.sh']);
    expect(readme).toContain('bash scripts/test-godot3.sh');
    const script = readFileSync(new URL('../scripts/test.sh', import.meta.url), 'utf8');
    expect(script).toMatch(/apt-get install -y -q --no-install-recommends chromium/);
    expect(script.trim().split('\n').at(-1)).toBe('npm ci && npm test');
  });
});
