// Cancels across machines, carried by BullMQ's Relay: every worker that listens holds a
// Relay node subscribed to its queue's cancel topic; cancelJob() publishes there with a
// reply topic, each listener answers whether it runs the job (and if so aborts it with
// worker.cancelJob(), which walks the pool's ladder through processWith()), and the
// caller learns whether any worker had it. The Relay, not plain pub/sub: it works with
// any connection BullMQ accepts (ioredis, node-redis, a cluster), and a node's messages
// wait in its inbox stream while its connection is re-established instead of being lost.
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions, Relay, RelayMessage, RelaySubscription, Worker } from 'bullmq';
import { bullmq } from './peer.js';

/** Where cancels travel: a connection (a Relay node is made and closed for you), or your own Relay. */
export type RelayTarget =
  | {
      /** The Redis connection, as BullMQ takes it. */
      connection: ConnectionOptions;
      /** BullMQ's key prefix. Default: the worker's, or `bull`. */
      prefix?: string | undefined;
      /** The Relay namespace that cancels travel in. Default `interruptible`. */
      namespace?: string | undefined;
      relay?: undefined;
    }
  | {
      /** A Relay node to reuse (left open): saves registering a node per cancelJob() call. */
      relay: Relay;
      connection?: undefined;
    };

export type CancelJobOptions = RelayTarget & {
  queue: string;
  jobId: string;
  /** Passed to the job's signal, and named in its failure. */
  reason?: string | undefined;
  /** Ms to wait for the listening workers' answers. Default 5000. */
  timeout?: number | undefined;
};

export interface CancelJobResult {
  jobId: string;
  /** True when a worker ran the job and aborted it (its ladder then ends the task). */
  cancelled: boolean;
  /** Workers listening for cancels on the queue when the request was published. */
  listeners: number;
  /** Of those, how many answered within the timeout. */
  answered: number;
  /** What happened, in words: also says so when nothing was cancelled. */
  message: string;
}

export interface CancelListener {
  /** Resolves once cancels published from now on reach this worker. */
  readonly ready: Promise<void>;
  /** Stops listening (also done when the worker closes). */
  close(): Promise<void>;
}

interface CancelRequest {
  jobId: string;
  reason: string | null;
  replyTo: string;
}

interface CancelReply {
  node: string;
  found: boolean;
}

const DEFAULT_NAMESPACE = 'interruptible';

/** A Relay topic segment: [A-Za-z0-9_:-], everything else percent-encoded (UTF-8). */
function segment(value: string): string {
  return Array.from(new TextEncoder().encode(value), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9_:-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

function cancelTopic(queue: string): string {
  return `interruptible.cancel.${segment(queue)}`;
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string, got ${String(value)}`);
  return value;
}

/** The target's Relay, and whether it is ours to close. */
function relayFor(target: RelayTarget, prefix: string | undefined, name: string): { relay: Relay; owned: boolean } {
  if (target.relay !== undefined) {
    if (!(target.relay instanceof bullmq.Relay)) throw new TypeError('options.relay must be a BullMQ Relay');
    return { relay: target.relay, owned: false };
  }
  if (target.connection === undefined) {
    throw new TypeError('options.connection is required (the Redis connection, as BullMQ takes it), or options.relay');
  }
  const relay = new bullmq.Relay({
    connection: target.connection,
    prefix: target.prefix ?? prefix ?? 'bull',
    namespace: target.namespace ?? DEFAULT_NAMESPACE,
    name,
  });
  return { relay, owned: true };
}

/**
 * Makes `worker` act on cancels published by cancelJob() from any process. The worker's
 * processor must take the job's signal (processWith() does).
 */
export function listenForCancels(worker: Worker, options: RelayTarget): CancelListener {
  if (typeof worker !== 'object' || worker === null || typeof (worker as { cancelJob?: unknown }).cancelJob !== 'function') {
    throw new TypeError('listenForCancels(worker): worker must be a BullMQ Worker');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('listenForCancels(worker, options): options must be an object');
  const { relay, owned } = relayFor(options, worker.opts.prefix, `interruptible worker ${worker.name}`);
  // A Relay error (a lost connection) must not crash the process; BullMQ's worker
  // reports the same outage through its own 'error' event.
  if (owned) relay.on('error', () => {});
  const onRequest = async (message: RelayMessage<CancelRequest>) => {
    const { jobId, reason, replyTo } = message.data;
    if (typeof jobId !== 'string' || typeof replyTo !== 'string') return;
    const found = worker.cancelJob(jobId, reason ?? undefined);
    await relay.publish(replyTo, { node: relay.nodeId, found } satisfies CancelReply).catch(() => {});
  };
  const subscribed = relay.subscribe<CancelRequest>(cancelTopic(worker.name), onRequest);
  const ready = subscribed.then(() => {});
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= owned ? ready.catch(() => {}).then(() => relay.close()) : subscribed.then((s) => s.unsubscribe(), () => {}));
  worker.once('closing', () => void close());
  return { ready, close };
}

/**
 * Asks every worker listening on `queue` to cancel job `jobId`. Resolves (never rejects
 * for a job that is not running) with what happened; a cancel for a job that no worker
 * runs now is a no-op, and the result says so.
 */
export async function cancelJob(options: CancelJobOptions): Promise<CancelJobResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('cancelJob(options): options must be an object');
  const queue = checkString(options.queue, 'options.queue');
  const jobId = checkString(options.jobId, 'options.jobId');
  const reason = options.reason;
  if (reason !== undefined && typeof reason !== 'string') throw new TypeError('options.reason must be a string');
  const timeout = options.timeout ?? 5000;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`options.timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  }
  const { relay, owned } = relayFor(options, undefined, 'interruptible cancelJob');
  // Errors while our own node closes must not crash the process (an EventEmitter throws
  // an 'error' nobody listens to); while we wait, the first one fails this call.
  if (owned) relay.on('error', () => {});
  let failure: Error | undefined;
  const onError = (error: Error) => (failure ??= error);
  relay.on('error', onError);
  let subscription: RelaySubscription | undefined;
  try {
    const replyTo = `interruptible.reply.${randomUUID().replaceAll('-', '')}`;
    const replies: CancelReply[] = [];
    let expected = Infinity;
    let wake: () => void = () => {};
    const allIn = new Promise<void>((resolve) => (wake = resolve));
    subscription = await relay.subscribe<CancelReply>(replyTo, (message) => {
      replies.push(message.data);
      if (replies.length >= expected) wake();
    });
    const request: CancelRequest = { jobId, reason: reason ?? null, replyTo };
    const { endpoints } = await relay.publish(cancelTopic(queue), request);
    expected = endpoints;
    if (replies.length < expected) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allIn, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout)))]);
      clearTimeout(timer);
    }
    if (failure && replies.length < expected) throw failure;
    const cancelled = replies.some((r) => r.found);
    const answered = Math.min(replies.length, expected);
    const missing = expected - answered;
    const message =
      endpoints === 0
        ? `job ${jobId}: no worker listens for cancels on queue ${queue}; nothing was cancelled`
        : cancelled
          ? `job ${jobId}: cancelled by the worker running it`
          : missing > 0
            ? `job ${jobId} is not running on the ${answered} of ${expected} workers listening on queue ${queue} that answered ` +
              `(${missing} did not answer within ${timeout} ms); nothing was cancelled there`
            : `job ${jobId} is not running on any worker listening on queue ${queue}; nothing was cancelled`;
    return { jobId, cancelled, listeners: endpoints, answered, message };
  } finally {
    relay.off('error', onError);
    if (owned) await relay.close();
    else await subscription?.unsubscribe();
  }
}
