import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { expect, test } from 'vitest';
import { workspace } from './helpers.js';

test('the README example runs: first run runs every stage, the second is fully cached', async () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => m[2]!);
  const ws = workspace('');
  writeFileSync(join(ws.dir, 'my-stages.mjs'), blocks[0]!);
  writeFileSync(join(ws.dir, 'squares.yaml'), blocks[1]!);
  writeFileSync(join(ws.dir, 'run.mjs'), blocks[2]!);
  const first = await execa('node', ['run.mjs'], { cwd: ws.dir, env: { FORCE_COLOR: '0' } });
  expect(first.stdout).toMatch(/cached: 0,\s+ran: 3,\s+failed: 0/);
  const second = await execa('node', ['run.mjs'], { cwd: ws.dir, env: { FORCE_COLOR: '0' } });
  expect(second.stdout).toMatch(/cached: 3,\s+ran: 0,\s+failed: 0/);
});
