// The loop inside each pool worker or child process: load the task module, run each task
// in an interruptible region, report how it ended. The pool's ladder acts from outside.
import { pathToFileURL } from 'node:url';
import { Cell, StopRequestedError, type ControlInfo } from '../control.js';
import { isInterrupt, type InterruptFrame } from '../errors.js';
import { addon } from '../native.js';
import { interruptible, shield } from '../region.js';
import type { FromRunner, TaskFunction, ToRunner } from './protocol.js';

export interface Transport {
  send(message: FromRunner): void;
  onMessage(handler: (message: ToRunner) => void): void;
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

export async function serve(filename: string, control: ControlInfo, transport: Transport): Promise<void> {
  let fn: TaskFunction;
  try {
    fn = await load(filename);
  } catch (error) {
    transport.send({ type: 'init-error', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const cells = control.cells;
  const controllers = new Map<number, AbortController>();

  const run = async (id: number, input: unknown): Promise<void> => {
    const controller = new AbortController();
    controllers.set(id, controller);
    const cleanups: Array<() => void> = [];
    const context = {
      signal: controller.signal,
      defer(cleanup: () => void) {
        if (typeof cleanup !== 'function') throw new TypeError('context.defer() expects a function');
        cleanups.push(cleanup);
      },
      progress(value: unknown) {
        // Throws to the task (DataCloneError) when the value cannot be cloned.
        transport.send({ type: 'progress', id, value });
      },
    };
    Atomics.store(cells, Cell.Task, id);
    let message: FromRunner;
    try {
      // Cancelled while its run message was on the way: it never starts.
      if (Atomics.load(cells, Cell.Stop) === id) throw new StopRequestedError();
      // Without the addon (process isolation still works) the task runs outside a region.
      let value =
        addon === undefined
          ? fn(input as never, context)
          : interruptible(
              (scope) => {
                Atomics.store(cells, Cell.TaskRegion, scope.handle.region);
                return fn(input as never, context);
              },
              { name: `task ${id}` },
            );
      // The region covers the synchronous part; an async task's later stretches run
      // after it, where only its signal and the pool's later rungs reach them.
      if (value instanceof Promise) value = await value;
      message = { type: 'done', id, ok: true, value };
    } catch (error) {
      const interruptedAt = isInterrupt(error) ? (error as { interruptedAt?: readonly InterruptFrame[] }).interruptedAt : undefined;
      message = interruptedAt ? { type: 'done', id, ok: false, error, interruptedAt } : { type: 'done', id, ok: false, error };
    }
    const failed = shield(() => {
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
    // A cleanup failure fails a task that had succeeded; otherwise the task's own outcome stands.
    if (failed && message.type === 'done' && message.ok) message = { type: 'done', id, ok: false, error: failed.error };
    controllers.delete(id);
    Atomics.store(cells, Cell.Task, 0);
    Atomics.store(cells, Cell.TaskRegion, 0);
    try {
      transport.send(message);
    } catch (error) {
      transport.send({ type: 'done', id, ok: false, error: new TypeError(`the task's result could not be sent back: ${String(error)}`) });
    }
  };

  transport.onMessage((message) => {
    if (message.type === 'run') void run(message.id, message.input);
    else if (message.type === 'cancel') controllers.get(message.id)?.abort();
  });
  transport.send({ type: 'ready' });
}
