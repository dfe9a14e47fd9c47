// Regions and the interrupts aimed at them: the boundary, the requests from any thread,
// and the callback that decides, on the target thread, whether to terminate.
//
// The data path: interrupt() on any thread queues a Request on the target slot and
// signals it -> node::RequestInterrupt -> OnSignal on the target thread at its next stack
// check -> Decide: terminate for the outermost region that is due, hold (shield, foreign
// async scope) or drop -> the region's boundary (Run) cancels the termination it owns and
// reports a Delivery to TypeScript, which throws the typed error.
#pragma once

#include "registry.h"  // node.h first: it fixes NAPI_VERSION

namespace interruptible::region {

// Called by the deadline thread (under the registry lock) when slot has something due.
void Check(Slot* slot);

// run(token, fn, scope, timeoutMs): calls fn(scope) as region `token`.
// Returns fn's result, rethrows fn's own error, passes through terminations that are not
// this region's, or returns the slot's sentinel when this region was interrupted.
napi_value Run(napi_env env, napi_callback_info info);

// interrupt(thread, token, reason (structured-cloneable, or undefined), graceMs) -> 1 queued, 0 region or thread
// no longer active, -1 no such thread was ever registered in this process.
// token 0 aims at the thread's outermost region at the time of the request.
napi_value Interrupt(napi_env env, napi_callback_info info);

// snapshot(thread) -> id (0: no such thread): asks the thread for its current frames,
// without stopping it. takeSnapshot(id, abandon) -> frames ([] when the thread was idle
// in its event loop), or undefined while it has not answered (abandon: stop waiting).
napi_value Snapshot(napi_env env, napi_callback_info info);
napi_value TakeSnapshot(napi_env env, napi_callback_info info);

// pending(token, deliverable) -> null | { kind, token, reason }: a request or expired
// deadline that aims at this region or an outer one, not delivered yet (grace period,
// shield, async scope); with deliverable, only one that no shield holds back.
napi_value Pending(napi_env env, napi_callback_info info);

// hold(): a shield is being entered while a termination of ours is requested but has not
// taken effect; take it back and hold it until the outermost shield exits.
napi_value Hold(napi_env env, napi_callback_info info);

// release(): the outermost shield exited while a delivery was held; decide again now.
napi_value Release(napi_env env, napi_callback_info info);

// outcome() -> { kind, token, reason, frames }: what the last converting boundary caught.
napi_value Outcome(napi_env env, napi_callback_info info);

}  // namespace interruptible::region
