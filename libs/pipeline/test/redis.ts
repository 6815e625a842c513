import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * Redis for the queue tests. CI (`.ci/run`) starts one and exports TRANSFUSION_TEST_REDIS_URL; on CI its absence is
 * an error, never a skip. Locally without the variable the tests start their own redis-server if it is installed.
 */
export const REDIS_ENV = 'TRANSFUSION_TEST_REDIS_URL';

export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Whether the queue tests can run here; throws on CI when they cannot (a missing Redis must fail loudly). */
export function queueTestsEnabled(): boolean {
  if (process.env[REDIS_ENV]) return true;
  if (process.env['CI'])
    throw new Error(
      `queue tests: ${REDIS_ENV} is not set on CI; .ci/run must install redis-server, start it and export the URL`,
    );
  if (haveRedisServer()) return true;
  console.warn(`queue tests skipped: set ${REDIS_ENV} or install redis-server`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway redis-server on a free loopback port, persistence off; `args` add settings. With `tls`, it
 * speaks only TLS (rediss://) with that certificate and key.
 */
export async function startRedis(args: string[] = [], tls?: { cert: string; key: string }): Promise<TestRedis> {
  const port = await freePort();
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const proc: ChildProcess = spawn(
    'redis-server',
    [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
  });
  return {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** The shared test Redis: CI's, or one started here (stop it in afterAll). */
export async function testRedis(): Promise<TestRedis> {
  const url = process.env[REDIS_ENV];
  if (url) return { url, port: Number(new URL(url).port || 6379), stop: async () => undefined };
  return startRedis();
}
