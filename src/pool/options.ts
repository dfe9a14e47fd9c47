// What a Pool and its run() accept, and what stats() reports.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { checkDelay, checkOptions, checkSignal, checkTimeout } from '../validate.js';
import type { Isolation } from './executor.js';
import type { CancelRung } from './task.js';

export interface PoolOptions {
  /** The task module: exports `(input, { signal, defer, progress }) => result | Promise<result>` as default (or `task`). */
  filename: string | URL;
  /** Workers (or processes). Default: os.availableParallelism(). */
  size?: number | undefined;
  /** 'thread' (default) or 'process'. */
  isolation?: Isolation | undefined;
  /** Default per-task timeout in ms, counted from the moment the task starts. Infinity: none. */
  timeout?: number | undefined;
  /** Ms from the cooperative rung to the next rung (interrupt / SIGTERM). Default 100. */
  grace?: number | undefined;
  /** Ms from the cooperative rung to the last rung (terminate / SIGKILL). Default 2000. */
  force?: number | undefined;
  /**
   * Ms a worker may take to load the task module; past that the pool is broken (every
   * queued and later task rejects with ERR_POOL_BROKEN), since a module whose top level
   * never finishes would otherwise leave every task waiting. Default 30000; Infinity: none.
   */
  loadTimeout?: number | undefined;
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the pool's timeout for this task. */
  timeout?: number | undefined;
  transferList?: readonly TransferListItem[] | undefined;
  /** Receives what the task passes to `context.progress()`, in order, while it runs. */
  onProgress?: ((value: unknown) => void) | undefined;
}

export interface PoolStats {
  completed: number;
  failed: number;
  cancelled: Record<CancelRung, number>;
  /** Workers (or processes) started to replace one that was terminated or crashed. */
  respawns: number;
  size: number;
  queued: number;
  running: number;
  /**
   * Threads ended by the last rung that have not exited yet (blocked in a native call):
   * already replaced, they no longer count toward `size` and do not keep the process alive.
   */
  stuck: number;
}

export function emptyStats(size: number): PoolStats {
  return {
    completed: 0,
    failed: 0,
    cancelled: { queued: 0, cooperative: 0, interrupt: 0, terminate: 0, kill: 0 },
    respawns: 0,
    size,
    queued: 0,
    running: 0,
    stuck: 0,
  };
}

export interface ParsedPool {
  filename: string;
  isolation: Isolation;
  size: number;
  timeout: number;
  grace: number;
  force: number;
  loadTimeout: number;
}

/** new Pool(options), checked: each option read once. */
export function parsePoolOptions(options: PoolOptions): ParsedPool {
  if (typeof options !== 'object' || options === null) throw new TypeError('new Pool(options): options must be an object');
  const { filename, size = availableParallelism(), isolation = 'thread', timeout, grace, force, loadTimeout = 30_000 } = options;
  if (typeof filename !== 'string' && !(filename instanceof URL)) {
    throw new TypeError('options.filename must be a path or a file: URL of the task module');
  }
  if (isolation !== 'thread' && isolation !== 'process') {
    throw new TypeError(`options.isolation must be 'thread' or 'process', got ${String(isolation)}`);
  }
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`options.size must be an integer >= 1, got ${String(size)}`);
  const checkedGrace = checkDelay(grace, 'options.grace', 100);
  return {
    filename: filename instanceof URL ? fileURLToPath(filename) : filename,
    isolation,
    size,
    timeout: checkTimeout(timeout, 'options.timeout'),
    grace: checkedGrace,
    force: Math.max(checkedGrace, checkDelay(force, 'options.force', 2000)),
    loadTimeout: checkTimeout(loadTimeout, 'options.loadTimeout'),
  };
}

export interface ParsedRun {
  signal: AbortSignal | undefined;
  timeout: number;
  onProgress: ((value: unknown) => void) | undefined;
  transferList: readonly TransferListItem[] | undefined;
}

/** pool.run()'s options, checked; `timeout` falls back to the pool's. */
export function parseRunOptions(options: RunOptions | undefined, poolTimeout: number): ParsedRun {
  const o = checkOptions<RunOptions>(options, 'run() options');
  const { signal, timeout, onProgress, transferList } = o;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  return {
    signal: checkSignal(signal, 'options.signal'),
    timeout: timeout === undefined ? poolTimeout : checkTimeout(timeout, 'options.timeout'),
    onProgress,
    transferList,
  };
}
