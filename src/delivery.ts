// The error a delivery turns into: what the addon reports for a region (a request with
// its reason, or an expired deadline) becomes InterruptError, TimeoutError or a rebuilt
// registered reason (G2, G10, G11).
import { InterruptError, TimeoutError, markInterrupt, placeInterrupt, type FramesSource } from './errors.js';
import { addon, type Binding, type PendingRecord } from './native.js';
import { decodeReason, describeReason, isRegistered } from './reasons.js';

export interface RegionInfo {
  readonly name: string | undefined;
  readonly timeout: number;
  /** The reason its own signal aborted with, if it did. */
  readonly signalReason?: unknown;
}

export function label(region: RegionInfo | undefined): string {
  return region?.name === undefined ? 'region' : `region "${region.name}"`;
}

/** The error for `record`, aimed at `region`; its stack starts at the caller of `below`. */
export function errorFor(
  record: PendingRecord,
  region: RegionInfo | undefined,
  frames: FramesSource,
  below: Function,
): Error {
  if (record.kind === (addon as Binding).kinds.deadline) {
    const timeout = region?.timeout ?? 0;
    return placeInterrupt(() => new TimeoutError(`${label(region)} timed out after ${timeout} ms`, timeout), below, frames);
  }
  const reason = decodeReason(record.reason, region?.signalReason);
  if (reason instanceof Error && isRegistered(reason)) {
    // A registered class is thrown as itself, like the exception type given to
    // PyThreadState_SetAsyncExc (G10); its stack is the requester's, then where it landed.
    markInterrupt(reason, frames);
    return reason;
  }
  const why = reason === undefined ? '' : `: ${describeReason(reason)}`;
  return placeInterrupt(() => new InterruptError(`${label(region)} interrupted${why}`, { reason }), below, frames);
}
