// The TypeScript side's one record of this thread's active regions. The addon keeps its
// own stack (native/registry.h, ThreadSlot::regions) as the mechanism; this one holds
// what only TypeScript needs (scopes, cleanups, repair marks) and is checked against the
// addon's depth (shared[layout.depth]) wherever the two could disagree.
import type { ScopeImpl } from './scope.js';

/** Called when this thread enters its outermost region, and when it leaves it. */
export interface OutermostHooks {
  /** Inside the region, before its function: it can be interrupted from here on. */
  enter(): void;
  exit(): void;
}

class RegionStack {
  /** Active regions, outermost first. */
  readonly scopes: ScopeImpl[] = [];
  /** How many of them have a deadline: while 0 (and nothing is queued), nothing can be pending. */
  timed = 0;
  #hooks: OutermostHooks[] = [];
  /**
   * Runs every hook's enter(): src/region.ts has the boundary call it once the outermost
   * region is active, so that whoever it tells can interrupt that region. Undefined while
   * there are no hooks.
   */
  entered: (() => void) | undefined = undefined;

  get depth(): number {
    return this.scopes.length;
  }

  top(): ScopeImpl | undefined {
    return this.scopes[this.scopes.length - 1];
  }

  find(token: number): ScopeImpl | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.token === token) return this.scopes[i];
    return undefined;
  }

  push(scope: ScopeImpl): void {
    this.scopes.push(scope);
    // Stryker disable next-line UpdateOperator: equivalent, a count below zero only turns scope.ts's pendingFor fast path off (the addon's pending() answers the same)
    if (scope.timeout > 0) this.timed++;
  }

  pop(): ScopeImpl {
    const scope = this.scopes.pop()!;
    // Stryker disable next-line UpdateOperator: equivalent, a count left above zero only turns scope.ts's pendingFor fast path off (the addon's pending() answers the same)
    if (scope.timeout > 0) this.timed--;
    if (this.scopes.length === 0 && this.#hooks.length !== 0) for (const h of this.#hooks) h.exit();
    return scope;
  }

  /** For layers above the core (src/control.ts): hear about the outermost region. */
  onOutermost(hooks: OutermostHooks): void {
    this.#hooks.push(hooks);
    const all = this.#hooks;
    this.entered = () => {
      for (const h of all) h.enter();
    };
  }
}

/** This thread's active regions. */
export const regions = new RegionStack();
export type { RegionStack };
