// What a Pool and its run() accept, and what stats() reports.
import type { TransferListItem } from 'node:worker_threads';
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
