import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { PipelineError } from '../errors.js';

/**
 * The queue executor's one external service. A Redis that cannot serve BullMQ is bad setup, not a failed run:
 * every problem found here is a `RedisSetupError` (exit 2) naming the URL — never its password — and the fix.
 */
export class RedisSetupError extends PipelineError {
  override readonly exitCode = 2 as const;
  constructor(
    message: string,
    code: 'REDIS_URL' | 'REDIS_UNREACHABLE' | 'REDIS_TLS' | 'REDIS_AUTH' | 'REDIS_EVICTION_POLICY' | 'REDIS_VERSION',
    /** The URL with its password replaced by `***`. */
    readonly url: string,
  ) {
    super(message, code);
  }
}

/** BullMQ's own floor (it refuses older servers); Debian 12 ships 7.0. */
const MIN_REDIS_MAJOR = 5;

export interface RedisTarget {
  options: RedisOptions;
  /** Safe to print: the password is `***`. */
  display: string;
}

/** Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS). */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisSetupError(
      `--redis: '${redactUrl(url)}' is not a URL; expected redis://[user:password@]host[:port][/db] or rediss://... for TLS`,
      'REDIS_URL',
      redactUrl(url),
    );
  }
  const display = redactUrl(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisSetupError(
      `--redis ${display}: expected a redis:// or rediss:// URL, got ${u.protocol}//`,
      'REDIS_URL',
      display,
    );
  }
  if (!u.hostname) throw new RedisSetupError(`--redis ${display}: the URL names no host`, 'REDIS_URL', display);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new RedisSetupError(
      `--redis ${display}: '/${dbText}' is not a database number (expected /0, /1, ...)`,
      'REDIS_URL',
      display,
    );
  if (u.search)
    throw new RedisSetupError(
      `--redis ${display}: query parameters are not supported; put user and password before the host`,
      'REDIS_URL',
      display,
    );
  const port = u.port ? Number(u.port) : 6379;
  const options: RedisOptions = { host: u.hostname.replace(/^\[|\]$/g, ''), port, db };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  // SNI takes host names only; an IP address is checked against the certificate's IP entries without it.
  if (u.protocol === 'rediss:') options.tls = isIP(options.host!) ? {} : { servername: options.host };
  return { options, display };
}

/** The URL with any password replaced by `***` (also for strings that do not parse). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/**
 * A connection for BullMQ. Workers and event listeners block on Redis, so they need `maxRetriesPerRequest: null`
 * (BullMQ's requirement); they reconnect forever, riding out a Redis restart.
 */
export function redisClient(target: RedisTarget, name: string): Redis {
  const client = new Redis({ ...target.options, maxRetriesPerRequest: null, connectionName: name });
  client.on('error', () => undefined); // reconnects are ioredis' job; setup problems were found by checkRedis
  return client;
}

export interface RedisInfo {
  version: string;
  maxmemoryPolicy: string;
}

/**
 * Connects once, without retries, and checks what BullMQ needs: reachable, credentials accepted, a recent
 * enough server, and `maxmemory-policy noeviction` (any other policy may silently evict queue keys).
 */
export async function checkRedis(url: string, timeoutMs = 5_000): Promise<RedisInfo> {
  const target = parseRedisUrl(url);
  const { display } = target;
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectionName: 'transfusion-check',
  });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  try {
    let info: string;
    try {
      await client.connect();
      await client.ping();
      info = await client.info();
    } catch (e) {
      throw classify(
        display,
        lastError && !/Connection is closed/.test(lastError.message) ? lastError : (e as Error),
        target.options.password !== undefined,
      );
    }
    const field = (name: string): string => info.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1]?.trim() ?? '';
    const version = field('redis_version');
    const maxmemoryPolicy = field('maxmemory_policy');
    if (Number(version.split('.')[0]) < MIN_REDIS_MAJOR) {
      throw new RedisSetupError(
        `Redis at ${display} is version ${version}; BullMQ needs ${MIN_REDIS_MAJOR}.0 or later (6.2+ recommended). Fix: upgrade the server (Debian 12: apt-get install redis-server gives 7.0).`,
        'REDIS_VERSION',
        display,
      );
    }
    if (maxmemoryPolicy && maxmemoryPolicy !== 'noeviction') {
      throw new RedisSetupError(
        `Redis at ${display} has maxmemory-policy ${maxmemoryPolicy}; BullMQ needs noeviction (any other policy may silently drop queued jobs when memory runs short). ` +
          `Fix: redis-cli -u ${display} CONFIG SET maxmemory-policy noeviction, and set "maxmemory-policy noeviction" in redis.conf so it survives a restart.`,
        'REDIS_EVICTION_POLICY',
        display,
      );
    }
    return { version, maxmemoryPolicy: maxmemoryPolicy || 'noeviction' };
  } finally {
    client.disconnect();
  }
}

function classify(display: string, e: Error, hadPassword: boolean): RedisSetupError {
  const msg = e.message;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
    return new RedisSetupError(
      `Redis at ${display} rejected the credentials (${msg.split('\n')[0]}). Fix: put the server's password in the URL — redis://:PASSWORD@host:port, or redis://USER:PASSWORD@host:port for an ACL user — ` +
        'or pass it via $TRANSFUSION_REDIS_URL to keep it out of the process list.',
      'REDIS_AUTH',
      display,
    );
  }
  if (/NOAUTH|Authentication required/i.test(msg)) {
    return new RedisSetupError(
      `Redis at ${display} requires a password${hadPassword ? '' : ' and the URL has none'}. Fix: redis://:PASSWORD@host:port (or set $TRANSFUSION_REDIS_URL).`,
      'REDIS_AUTH',
      display,
    );
  }
  const reason = (e as NodeJS.ErrnoException).code ?? msg.split('\n')[0];
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/.test(String(reason))) {
    return new RedisSetupError(
      `Redis at ${display}: the server's TLS certificate is not trusted (${reason}: ${msg.split('\n')[0]}). Fix: give Node the CA that signed it ` +
        '(NODE_EXTRA_CA_CERTS=/path/to/ca.pem) and use the host name the certificate names.',
      'REDIS_TLS',
      display,
    );
  }
  return new RedisSetupError(
    `Redis at ${display} is unreachable (${reason}). Fix: start it (e.g. redis-server --port PORT --maxmemory-policy noeviction) or pass the right --redis URL; ` +
      'check host, port and firewall, and the scheme: rediss:// for a server that speaks TLS, redis:// for one that does not.',
    'REDIS_UNREACHABLE',
    display,
  );
}
