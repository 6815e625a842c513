import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  checkRedis,
  parseRedisUrl,
  queueExecutor,
  redactUrl,
  RedisSetupError,
  startWorker,
} from '@transfusion/pipeline/queue';
import { REGISTRY } from './helpers.js';
import { freePort, haveRedisServer, queueTestsEnabled, startRedis, testRedis, type TestRedis } from './redis.js';

async function setupError(p: Promise<unknown>): Promise<RedisSetupError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RedisSetupError);
  expect((e as RedisSetupError).exitCode).toBe(2);
  return e as RedisSetupError;
}

describe('Redis URLs', () => {
  test('redis:// and rediss:// with user, password and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:7000/2').options).toMatchObject({ host: '127.0.0.1', port: 7000, db: 2 });
    const tls = parseRedisUrl('rediss://worker:p%40ss@redis.example.org');
    expect(tls.options).toMatchObject({
      host: 'redis.example.org',
      port: 6379,
      db: 0,
      username: 'worker',
      password: 'p@ss',
      tls: { servername: 'redis.example.org' },
    });
    expect(tls.display).toBe('rediss://worker:***@redis.example.org');
    expect(redactUrl('redis://:hunter2@h:1')).toBe('redis://:***@h:1');
  });

  test('a URL that is not redis:// is bad input naming what was expected', async () => {
    const e = await setupError(checkRedis('http://user:hunter2@localhost:6379'));
    expect(e.code).toBe('REDIS_URL');
    expect(e.message).toMatch(/expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(e.message).not.toContain('hunter2');
    expect((await setupError(checkRedis('redis://localhost:6379/x'))).message).toMatch(
      /'\/x' is not a database number/,
    );
    expect((await setupError(checkRedis('not a url'))).code).toBe('REDIS_URL');
  });
});

const enabled = queueTestsEnabled();

describe.runIf(enabled)('Redis setup errors: exit 2, the URL without its password, and the fix', () => {
  let locked: TestRedis | undefined;
  let good: TestRedis;
  beforeAll(async () => {
    good = await testRedis();
    // A second server, as a misconfigured site might run it: a password and an evicting memory policy.
    if (!haveRedisServer()) throw new Error('redis-server is needed for the password and eviction-policy tests');
    locked = await startRedis(['--requirepass', 'hunter2', '--maxmemory-policy', 'allkeys-lru']);
  });
  afterAll(async () => {
    await locked?.stop();
    await good?.stop();
  });

  test('a reachable, well-configured Redis passes', async () => {
    const info = await checkRedis(good.url);
    expect(info.maxmemoryPolicy).toBe('noeviction');
    expect(Number(info.version.split('.')[0])).toBeGreaterThanOrEqual(5);
  });

  test('Redis unreachable', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const e = await setupError(checkRedis(url, 2_000));
    expect(e.code).toBe('REDIS_UNREACHABLE');
    expect(e.message).toContain(`redis://:***@127.0.0.1:${new URL(url).port}`);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.message).toMatch(/Fix: start it/);
    expect(e.message).not.toContain('hunter2');
  });

  test('wrong password, and no password where one is required', async () => {
    const wrong = await setupError(checkRedis(`redis://:letmein@127.0.0.1:${locked!.port}`));
    expect(wrong.code).toBe('REDIS_AUTH');
    expect(wrong.message).toMatch(/rejected the credentials/);
    expect(wrong.message).toContain(`redis://:***@127.0.0.1:${locked!.port}`);
    expect(wrong.message).toMatch(/Fix: put the server's password in the URL/);
    expect(wrong.message).not.toContain('letmein');
    const none = await setupError(checkRedis(locked!.url));
    expect(none.code).toBe('REDIS_AUTH');
    expect(none.message).toMatch(/requires a password and the URL has none/);
  });

  test('maxmemory-policy other than noeviction (with the right password)', async () => {
    const e = await setupError(checkRedis(`redis://:hunter2@127.0.0.1:${locked!.port}`));
    expect(e.code).toBe('REDIS_EVICTION_POLICY');
    expect(e.message).toMatch(/has maxmemory-policy allkeys-lru; BullMQ needs noeviction/);
    expect(e.message).toMatch(/CONFIG SET maxmemory-policy noeviction/);
    expect(e.message).not.toContain('hunter2');
  });

  test('the worker and the queue executor check Redis before anything else', async () => {
    const url = `redis://:hunter2@127.0.0.1:${locked!.port}`;
    const store = mkdtempSync(join(tmpdir(), 'tf-qstore-'));
    expect((await setupError(startWorker({ redis: url, store, registry: REGISTRY }))).code).toBe(
      'REDIS_EVICTION_POLICY',
    );
    expect((await setupError(queueExecutor({ redis: `redis://:nope@127.0.0.1:${locked!.port}` }))).code).toBe(
      'REDIS_AUTH',
    );
  });
  // TLS needs a certificate; openssl makes a throwaway one (skipped where openssl is missing: it is not what CI installs).
  const haveOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  test.runIf(haveOpenssl)(
    'rediss:// with a password: TLS to a server whose CA is trusted; an untrusted certificate is a clear error',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tf-tls-'));
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      await execa('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      const tlsRedis = await startRedis(['--requirepass', 'hunter2'], { cert, key });
      try {
        const url = tlsRedis.url.replace('rediss://', 'rediss://:hunter2@');
        // NODE_EXTRA_CA_CERTS is read at start-up, so the trusting client is a child process.
        const script = `import('@transfusion/pipeline/queue').then((m) => m.checkRedis(process.argv[1])).then((i) => console.log(JSON.stringify(i)))`;
        const here = dirname(fileURLToPath(import.meta.url));
        const trusted = await execa(process.execPath, ['-e', script, url], {
          cwd: here,
          env: { NODE_EXTRA_CA_CERTS: cert },
          reject: false,
        });
        expect(trusted.stderr).toBe('');
        expect(JSON.parse(trusted.stdout)).toMatchObject({ maxmemoryPolicy: 'noeviction' });
        const untrusted = await setupError(checkRedis(url));
        expect(untrusted.code).toBe('REDIS_TLS');
        expect(untrusted.message).toMatch(/TLS certificate is not trusted .*NODE_EXTRA_CA_CERTS/);
        expect(untrusted.message).not.toContain('hunter2');
      } finally {
        await tlsRedis.stop();
      }
    },
  );
});
