import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { queueName, type ResourceClass } from './protocol.js';
import { redisClient, type RedisTarget } from './redis-connection.js';

/** Receives the queue events of one job: the event's kind and BullMQ's arguments. */
export type Notify = (kind: string, args: Record<string, unknown>) => void;

/** The coordinator's connection to one resource class's queue, with its events relayed to each job's watcher. */
export interface Lane {
  resources: ResourceClass;
  queue: Queue;
  events: QueueEvents;
  /** Watchers by job id (the stage's cache key). */
  listeners: Map<string, Set<Notify>>;
  clients: Redis[];
  /** Whether we already looked for workers on this queue (once, at its first job). */
  workersChecked: boolean;
}

const RELAYED_EVENTS = [
  'active',
  'progress',
  'completed',
  'failed',
  'delayed',
  'waiting',
  'stalled',
  'removed',
] as const;

export async function openLane(target: RedisTarget, prefix: string, resources: ResourceClass): Promise<Lane> {
  const clients = [
    redisClient(target, 'transfusion-coordinator'),
    redisClient(target, 'transfusion-coordinator-events'),
  ];
  const queue = new Queue(queueName(resources), { connection: clients[0]!, prefix });
  const events = new QueueEvents(queueName(resources), { connection: clients[1]!, prefix });
  const listeners = new Map<string, Set<Notify>>();
  const relay =
    (kind: string) =>
    (args: { jobId: string } & Record<string, unknown>): void => {
      for (const notify of listeners.get(args.jobId) ?? []) notify(kind, args);
    };
  // `never`: BullMQ types each event's listener separately; the relay takes all of them alike.
  for (const kind of RELAYED_EVENTS) events.on(kind, relay(kind) as never);
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return { resources, queue, events, listeners, clients, workersChecked: false };
}

export function addListener(lane: Lane, jobId: string, notify: Notify): void {
  let set = lane.listeners.get(jobId);
  if (!set) {
    set = new Set();
    lane.listeners.set(jobId, set);
  }
  set.add(notify);
}

export function removeListener(lane: Lane, jobId: string, notify: Notify): void {
  lane.listeners.get(jobId)?.delete(notify);
  if (lane.listeners.get(jobId)?.size === 0) lane.listeners.delete(jobId);
}

/** Closes a lane, whether or not it finished opening; never throws (closing is best effort). */
export async function closeLane(opening: Promise<Lane>): Promise<void> {
  const lane = await opening.catch(() => null);
  if (!lane) return;
  await lane.events.close().catch(() => undefined);
  await lane.queue.close().catch(() => undefined);
  for (const c of lane.clients) c.disconnect();
}
