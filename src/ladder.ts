// The stop ladder: one for StoppableWorker.stop() and for a Pool's cancel. It walks the
// three classic ways to end work in order — cooperative (a flag, a signal), interrupt
// (a typed error inside the region), terminate/kill — each after its delay, until the
// work has ended. The vocabulary is the same everywhere: `grace` is the time from the
// cooperative rung to the interrupt rung, `force` the time from the cooperative rung to
// the last rung. (interrupt()'s own `grace` is the same idea for a single region: the
// time between its soft mark and its hard interrupt.)

/** The rungs, in order. A pool's process isolation has no interrupt: SIGTERM is its 'terminate', SIGKILL its 'kill'. */
export type Rung = 'cooperative' | 'interrupt' | 'terminate' | 'kill';

export interface Step {
  rung: Rung;
  /** Milliseconds after the ladder starts. */
  at: number;
  /**
   * Takes the rung. `false` means it could not be taken yet (an interrupt whose region is
   * not visible yet): it is tried again shortly, until the next step's time.
   */
  take(): boolean | void;
}

/** How soon a rung that could not be taken is tried again, at first and at most. */
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 20;

export class Ladder {
  /** The last rung taken. */
  rung: Rung | undefined = undefined;
  readonly #steps: readonly Step[];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #unref: boolean;
  #next = 0;
  #done = false;

  /** Starts at once: steps at 0 ms are taken synchronously. `unref`: its timers do not keep the process alive. */
  constructor(steps: readonly Step[], options: { unref?: boolean } = {}) {
    this.#steps = steps;
    this.#unref = options.unref ?? false;
    for (let i = 0; i < steps.length; i++) {
      if (steps[i]!.at <= 0) this.#climb(i);
      else this.#after(steps[i]!.at, () => this.#climb(i));
    }
  }

  /** The work ended: take no further rung. */
  stop(): void {
    this.#done = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #climb(i: number, retry = RETRY_FIRST_MS): void {
    if (this.#done || i < this.#next) return; // ended, or a later rung superseded this one
    const step = this.#steps[i]!;
    if (step.take() === false) {
      this.#after(retry, () => this.#climb(i, Math.min(retry * 2, RETRY_MAX_MS)));
      return;
    }
    this.#next = i + 1;
    this.rung = step.rung;
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    if (this.#unref) timer.unref();
    this.#timers.add(timer);
  }
}
