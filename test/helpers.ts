import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { interrupt, interruptible, type InterruptHandle } from '../dist/index.js';

export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
  isInterrupt: boolean;
  isInterruptError: boolean;
  isTimeoutError: boolean;
  interruptedAt?: Array<{ function: string; script: string; line: number; column: number }>;
  stack: string;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };

/** A worker running test/fixtures/agent.mjs: run(code) evaluates code there. */
export class Agent {
  readonly worker: Worker;
  handle!: InterruptHandle;
  private nextId = 0;
  private readonly waiting = new Map<number, (o: Outcome) => void>();
  private readonly listeners = new Map<number, (e: unknown) => void>();
  private readonly exited: Promise<number>;

  private constructor(workerData: unknown) {
    this.worker = new Worker(new URL('./fixtures/agent.mjs', import.meta.url), { workerData });
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (m: { id?: number; event?: unknown; ok?: boolean }) => {
      if (m.id === undefined) return;
      if ('event' in m) {
        this.listeners.get(m.id)?.(m.event);
        return;
      }
      const { id, ...outcome } = m;
      this.waiting.get(id)?.(outcome as Outcome);
    });
  }

  static async start(workerData?: unknown): Promise<Agent> {
    const agent = new Agent(workerData);
    const ready = await new Promise<{ handle: InterruptHandle }>((resolve, reject) => {
      agent.worker.once('message', resolve);
      agent.worker.once('error', reject);
    });
    agent.handle = ready.handle;
    return agent;
  }

  /** Runs `code` in the worker; `onEvent` sees what it post()s. */
  run(code: string, args?: unknown, onEvent?: (e: unknown) => void): Promise<Outcome> {
    const id = this.nextId++;
    if (onEvent) this.listeners.set(id, onEvent);
    return new Promise((resolve) => {
      this.waiting.set(id, (o) => {
        this.waiting.delete(id);
        this.listeners.delete(id);
        resolve(o);
      });
      this.worker.postMessage({ id, code, args });
    });
  }

  /** Runs `code` and resolves with the first event it posts, and the eventual outcome. */
  start(code: string, args?: unknown): { first: Promise<unknown>; done: Promise<Outcome> } {
    let first!: (e: unknown) => void;
    const firstEvent = new Promise<unknown>((resolve) => (first = resolve));
    const done = this.run(code, args, (e) => first(e));
    return { first: firstEvent, done };
  }

  exit(): Promise<number> {
    return this.exited;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

export function expectInterrupted(o: Outcome): ErrorInfo {
  if (o.ok) throw new Error(`expected an interrupt, the code returned ${JSON.stringify(o.value)}`);
  return o.error;
}

/**
 * A busy loop that only an interrupt should end; bounded, so that a broken interrupt
 * fails the test instead of hanging the test process's main thread.
 */
export function spin(): never {
  const limitMs = 10_000;
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    /* busy */
  }
  throw new Error(`spin(): not interrupted within ${limitMs} ms`);
}

/** The pids of this process's children that execSync('sleep …') makes (the shell, or sleep). */
export function sleepChildren(): Set<string> {
  const out = spawnSync('pgrep', ['-P', String(process.pid), '-x', 'sh|sleep'], { encoding: 'utf8' }).stdout;
  return new Set(out.split('\n').filter(Boolean));
}

/**
 * Resolves once a thread of this process is blocked in `execSync('sleep …')`: a child that
 * was not in `before` exists, and spawnSync creates it inside the native call that blocks.
 * (Posting "busy" just before the call is not enough on a loaded machine: the ladder can
 * reach the thread before it blocks.)
 */
export async function sleepChildRunning(before: Set<string>): Promise<void> {
  const end = Date.now() + 30_000;
  while (![...sleepChildren()].some((pid) => !before.has(pid))) {
    if (Date.now() > end) throw new Error('no child blocked in sleep within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Resolves once `condition()` holds (polled every 5 ms); throws after `limitMs` saying what
 * was awaited. For state that another thread or process changes on its own time.
 */
export async function until(condition: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`not within ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A gate in shared memory that tasks wait on (Atomics.wait on cell 0) until it opens. */
export function gate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

export function open(g: Int32Array): void {
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
}

/**
 * JSON text that takes at least `minParseMs` to parse here. JSON.parse never checks for
 * interrupts, so a deadline shorter than that passes inside it; a fixed size is not
 * enough (100,000 records parsed in under 20 ms on a quiet Node 24).
 */
export function slowJson(minParseMs: number): string {
  const make = (n: number) => JSON.stringify(Array.from({ length: n }, (_, k) => ({ k, s: 'abcdefghij' })));
  let n = 100_000;
  let text = make(n);
  for (;;) {
    const t0 = performance.now();
    JSON.parse(text);
    if (performance.now() - t0 >= minParseMs || n >= 6_400_000) return text;
    n *= 2;
    text = make(n);
  }
}

/**
 * Runs `attempt` until it returns true, at most `times` times: for a case whose
 * precondition a loaded machine can pre-empt. `attempt` returns false when the
 * precondition did not hold (nothing was asserted), true once it asserted.
 */
export function retried(what: string, attempt: () => boolean, times = 5): void {
  for (let i = 0; i < times; i++) if (attempt()) return;
  throw new Error(`${what}, in ${times} attempts`);
}

/** Runs `body` with the process warnings emitted meanwhile collected in `warnings`. */
export async function withWarnings(body: (warnings: Error[]) => unknown): Promise<void> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    await body(warnings);
  } finally {
    process.off('warning', onWarning);
  }
}

/** What a region that interrupts itself with `reason` throws (a self-interrupt lands at once, G13). */
export function interruptedWith(reason: unknown): unknown {
  try {
    interruptible((scope) => {
      interrupt(scope.handle, reason);
      for (;;) {
        /* spin */
      }
    });
  } catch (error) {
    return error;
  }
  throw new Error('not interrupted');
}
