// Loads the addon (where from: scripts/locate-addon.cjs) and types what it exports.
// Without it the library still loads; what needs it throws AddonUnavailableError.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Frames as the addon gives them (native/stack.h): [function, script, line, column, ...], innermost first. */
export type FlatFrames = Array<string | number>;

/** Indexes of the Int32 fields shared with the addon (native/shared.h), as it exports them. */
export interface SharedLayout {
  /** Shields held now. Written by src/shield.ts only. */
  readonly shieldDepth: number;
  /** A delivery waits for the outermost shield's exit. Written by the addon. */
  readonly held: number;
  /** Requests queued for this thread. Written by the addon. */
  readonly queued: number;
  /** A termination of ours is in flight. Written by the addon. */
  readonly fired: number;
  /** Regions active, as the addon counts them. Written by the addon. */
  readonly depth: number;
  /** 1: the region that just ended returned a promise and goes on as an async region. Written by the addon. */
  readonly async: number;
  /** Indices into `entry`: run()'s numbers, written by src/region.ts just before it calls run(). */
  readonly entryToken: number;
  readonly entryTimeoutMs: number;
  readonly entryAsyncId: number;
  /** Written by the addon: when a region with a deadline goes on as an async region, the ms left. */
  readonly entryLeftMs: number;
  readonly size: number;
}

/** What ended a region, as the addon numbers it (native/shared.h, Kind). */
export interface DeliveryKinds {
  readonly request: number;
  readonly deadline: number;
}

export interface PendingRecord {
  /** One of Binding.kinds. */
  kind: number;
  token: number;
  /** The reason in wire form (src/reasons.ts), cloned from the requester's thread. */
  reason: unknown;
}

export interface OutcomeRecord extends PendingRecord {
  frames: FlatFrames;
  /** The region's own error that the interrupt superseded, when it threw one first. */
  suppressed?: unknown;
}

/** The addon's exports (native/addon.cc); each function is documented where it is defined. */
export interface Binding {
  /** NODE_MODULE_VERSION the addon was compiled for. */
  readonly abi: number;
  /** This thread's id in the addon's registry. */
  readonly thread: number;
  /** Random, fixed for the process: tells our handles from another process's. */
  readonly nonce: number;
  readonly shared: Int32Array;
  /** A region's entry numbers (native/shared.h, EntryField): token, timeout in ms (0: none), async id. */
  readonly entry: Float64Array;
  readonly layout: SharedLayout;
  readonly kinds: DeliveryKinds;
  /** Returned by run() when the region was interrupted; details come from outcome(). */
  readonly interrupted: object;
  /** native/boundary.h */
  run<S, T>(fn: (scope: S) => T, scope: S, entered?: () => void): T | object;
  /** native/requests.h: 1 queued; 0 the region or thread is no longer active; -1 no such thread ever. */
  interrupt(thread: number, token: number, reason: unknown, graceMs: number): number;
  /** native/requests.h */
  snapshot(thread: number): number;
  takeSnapshot(id: number, abandon: boolean): FlatFrames | undefined;
  /** native/queries.h */
  pending(token: number, deliverable: boolean): PendingRecord | null;
  outcome(): OutcomeRecord | null;
  /** native/shield.h */
  hold(): void;
  release(): void;
  /** native/async.h */
  setAsyncListener(listener: (token: number) => void): void;
  asyncEnd(token: number): PendingRecord | null;
  /** Calls fn from native code and nothing else: the benchmarks' baseline. */
  bareCall<T>(fn: () => T): T;
  /** The same through V8's API with no N-API in between (native/addon.cc): a region's floor, for the benchmarks. */
  rawCall<T>(fn: () => T): T;
  /** native/watchdog.h: starts a stall watch, returns its id. */
  watch(all: boolean, thresholdMs: number, sampleEveryMs: number, answerMs: number, log: boolean, onReport: (report: NativeStallReport) => void): number;
  /** native/watchdog.h: ends a watch of this thread; no report comes after. */
  unwatch(id: number): void;
  /**
   * Internal, test-only (native/requests.h): interrupt() as another thread makes it, even
   * when `thread` is this one: queued and signalled, without a self-interrupt's synchronous
   * decision. Not part of the public API; the tests use it to choose the stack check where
   * a termination is requested.
   */
  interruptAsRemote(thread: number, token: number, reason: unknown, graceMs: number): number;
  /**
   * Internal, test-only (native/requests.h): parks the request on this thread; its next
   * interrupt callback files it, as another thread would, right after its own decision.
   */
  interruptDuringSignal(thread: number, token: number, reason: unknown, graceMs: number): number;
}

/** What the watchdog thread reports (native/watchdog.cc, CallJs). */
export interface NativeStallReport {
  thread: number;
  blockedMs: number;
  ongoing: boolean;
  samples: Array<{ atMs: number; state: 'running' | 'native'; frames: FlatFrames }>;
}

export class AddonUnavailableError extends Error {
  readonly code = 'ERR_INTERRUPTIBLE_ADDON_UNAVAILABLE';
  constructor(what: string, cause: unknown) {
    super(
      `${what} needs the interruptible native addon, which could not be loaded: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Prebuilt binaries ship for Node 20/22/24/26 on linux-x64/arm64 (glibc and musl), ' +
        'darwin-x64/arm64 and win32-x64; elsewhere, or when one does not load, ' +
        'build it from source: INTERRUPTIBLE_BUILD_FROM_SOURCE=1 npm rebuild interruptible.',
      { cause },
    );
    this.name = 'AddonUnavailableError';
  }
}

function load(): Binding | Error {
  if (process.env['INTERRUPTIBLE_NO_ADDON'] === '1') {
    return new Error('disabled by INTERRUPTIBLE_NO_ADDON=1');
  }
  const require = createRequire(import.meta.url);
  const root = fileURLToPath(new URL('..', import.meta.url));
  let locator: { locate(root: string): { file: string } | { file?: undefined; tried: string[] }; buildHint(): string };
  try {
    locator = require('../scripts/locate-addon.cjs') as typeof locator;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const found = locator.locate(root);
  if (found.file === undefined) {
    return new Error(`no binary for this Node: ${found.tried.join('; ')}; ${locator.buildHint()}`);
  }
  // Which file failed, why (the loader's own words), and what to do about it.
  let binding: Binding;
  try {
    binding = require(found.file) as Binding;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return new Error(`${found.file} did not load (${why}); ${locator.buildHint()}`, { cause: error });
  }
  if (binding.abi !== Number(process.versions.modules)) {
    return new Error(
      `${found.file} was built for Node ABI ${binding.abi}, this Node has ${process.versions.modules}; ${locator.buildHint()}`,
    );
  }
  // A copy: N-API builds the exports object one property at a time, which leaves it in
  // V8's dictionary mode, and every `addon.run`, `addon.shared` on the region's hot path
  // would then be a slow lookup. The copy is an ordinary object with fast properties.
  return { ...binding };
}

const loaded = load();

/** The addon, or undefined when it is unavailable. */
export const addon: Binding | undefined = loaded instanceof Error ? undefined : loaded;

/** The addon, or an AddonUnavailableError naming the feature that needed it. */
export function requireAddon(what: string): Binding {
  if (loaded instanceof Error) throw new AddonUnavailableError(what, loaded);
  return loaded;
}

/** Why the addon is unavailable, or undefined when it loaded. */
export function addonError(): Error | undefined {
  return loaded instanceof Error ? loaded : undefined;
}
