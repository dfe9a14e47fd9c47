// The loop inside each pool worker or child process: load the task module, run each task
// in an interruptible region, report how it ended. The pool's ladder acts from outside.
import { pathToFileURL } from 'node:url';
import { Cell, StopRequestedError, setCurrentJob, type ControlInfo } from '../control.js';
import { isInterrupt } from '../errors.js';
import type { InterruptFrame } from '../frames.js';
import { addon } from '../native.js';
import { interruptible } from '../region.js';
import { shield } from '../shield.js';
import { checkFunction } from '../validate.js';
import { TaskCell, type FromRunner, type TaskContext, type TaskFunction, type ToRunner } from './protocol.js';

export interface Transport {
  send(message: FromRunner): void;
  onMessage(handler: (message: ToRunner) => void): void;
}

/** Where the runner tells its pool which region the task runs (thread isolation only). */
export interface TaskCells {
  readonly cells: Int32Array | undefined;
}

async function load(filename: string): Promise<TaskFunction> {
  const url = filename.startsWith('file:') ? filename : pathToFileURL(filename).href;
  const mod = (await import(url)) as { default?: unknown; task?: unknown };
  const fn = typeof mod.default === 'function' ? mod.default : mod.task;
  if (typeof fn !== 'function') {
    throw new TypeError(`task module ${filename} must export a function (as default, or named "task")`);
  }
  return fn as TaskFunction;
}

export async function serve(filename: string, control: ControlInfo, tasks: TaskCells, transport: Transport): Promise<void> {
  let fn: TaskFunction;
  try {
    fn = await load(filename);
  } catch (error) {
    transport.send({ type: 'init-error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const controllers = new Map<number, AbortController>();
  transport.onMessage((message) => {
    if (message.type === 'run') void runTask(fn, message.id, message.input, { control, tasks, transport, controllers });
    else if (message.type === 'cancel') controllers.get(message.id)?.abort();
  });
  transport.send({ type: 'ready' });
}

interface Runner {
  control: ControlInfo;
  tasks: TaskCells;
  transport: Transport;
  controllers: Map<number, AbortController>;
}

async function runTask(fn: TaskFunction, id: number, input: unknown, r: Runner): Promise<void> {
  const controller = new AbortController();
  r.controllers.set(id, controller);
  const cleanups: Array<() => void> = [];
  const context: TaskContext = {
    signal: controller.signal,
    defer(cleanup) {
      cleanups.push(checkFunction(cleanup, 'context.defer()'));
    },
    progress(value) {
      r.transport.send({ type: 'progress', id, value });
    },
  };
  const cells = r.tasks.cells;
  setCurrentJob(id);
  if (cells) Atomics.store(cells, TaskCell.Task, id);
  let message = await outcomeOf(id, () => call(fn, id, input, context, cells), r.control);
  const failed = runCleanups(cleanups);
  // A cleanup failure fails a task that had succeeded; otherwise the task's own outcome stands.
  if (failed && message.type === 'done' && message.ok) message = { type: 'done', id, ok: false, error: failed.error };
  r.controllers.delete(id);
  setCurrentJob(0);
  if (cells) {
    Atomics.store(cells, TaskCell.Task, 0);
    Atomics.store(cells, TaskCell.Region, 0);
  }
  try {
    r.transport.send(message);
  } catch (error) {
    r.transport.send({ type: 'done', id, ok: false, error: new TypeError(`the task's result could not be sent back: ${String(error)}`) });
  }
}

/**
 * The task's synchronous part in a region (where the addon is loaded); its promise, if
 * any, is awaited after, outside: the pool's own ladder (signal, then terminate) covers an
 * async task's later stretches, so the result is boxed to keep the region synchronous.
 */
function call(fn: TaskFunction, id: number, input: unknown, context: TaskContext, cells: Int32Array | undefined): unknown {
  // Without the addon (process isolation still works) the task runs outside a region.
  if (addon === undefined) return fn(input as never, context);
  return interruptible(
    (scope) => {
      if (cells) Atomics.store(cells, TaskCell.Region, scope.handle.region);
      return { value: fn(input as never, context) };
    },
    { name: `task ${id}` },
  ).value;
}

async function outcomeOf(id: number, run: () => unknown, control: ControlInfo): Promise<FromRunner> {
  try {
    // Cancelled while its run message was on the way: it never starts.
    if (Atomics.load(control.cells, Cell.Stop) === id) throw new StopRequestedError();
    let value = run();
    // The region covers the synchronous part; an async task's later stretches run
    // after it, where only its signal and the pool's later rungs reach them.
    if (value instanceof Promise) value = await value;
    return { type: 'done', id, ok: true, value };
  } catch (error) {
    const interruptedAt = isInterrupt(error) ? (error as { interruptedAt?: readonly InterruptFrame[] }).interruptedAt : undefined;
    return interruptedAt ? { type: 'done', id, ok: false, error, interruptedAt } : { type: 'done', id, ok: false, error };
  }
}

function runCleanups(cleanups: Array<() => void>): { error: unknown } | undefined {
  return shield(() => {
    let first: { error: unknown } | undefined;
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
      try {
        cleanup();
      } catch (error) {
        first ??= { error };
      }
    }
    return first;
  });
}
