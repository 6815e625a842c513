import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A process that started wasm worker threads must end by itself when its work is done (the pthread pool is
// unref'd), with or without releaseBackend(). Runs the built library (nx builds it before testing).
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const script = (release: boolean) => `
  const { tf, resolveBackend, releaseBackend } = await import(${JSON.stringify(dist)});
  const info = await resolveBackend({ backend: 'wasm', threads: 2 });
  const y = tf.conv2d(tf.ones([2, 16, 16, 8]), tf.ones([3, 3, 8, 8]), 1, 'same');
  process.stdout.write(info.threads + ' ' + (await y.data())[0]);
  ${release ? 'releaseBackend();' : ''}
`;

describe('processes using the threaded wasm backend', () => {
  for (const release of [false, true]) {
    it(`exit on their own ${release ? 'after' : 'without'} releaseBackend()`, () => {
      // The generous limit only turns a hang into a failure; it is not a performance check.
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(release)], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('2 32');
    });
  }
});
