// Requests from any thread of the process to a thread's slot: interrupts and stack
// snapshots. They are queued under the target's lock and signalled (callback.h); the
// target decides what they do on its own thread.
#pragma once

#include "registry.h"

namespace interruptible::requests {

// interrupt(thread, token, reason, graceMs) -> 1 queued, 0 region or thread no longer
// active, -1 no such thread was ever registered in this process.
//   thread   the target's registry id (1 .. 2^32-1)
//   token    the region it aims at; 0: the thread's outermost region at this moment
//   reason   structured-cloneable, or undefined (cloned here, on the requester's thread:
//            a DataCloneError is thrown for anything else)
//   graceMs  0, or ms before the request may be delivered
napi_value Interrupt(napi_env env, napi_callback_info info);

// interruptAsRemote(thread, token, reason, graceMs): test-only. interrupt() as another
// thread makes it, even when `thread` is the caller's own: queued and signalled
// (callback::Signal), without a self-interrupt's synchronous decision (G13). The callback
// then runs at the caller's next stack check, so a test chooses where the termination is
// requested, and that it has not taken effect yet (docs/TESTING.md, native mutations).
napi_value InterruptAsRemote(napi_env env, napi_callback_info info);

// interruptDuringSignal(thread, token, reason, graceMs): test-only. Parks the request on
// the caller's thread; the caller's next interrupt callback files it, as another thread
// would, right after its own decision. The signal that filing sends is run by Node in the
// same pass as that callback, so while a termination just decided is in flight: the race
// that `ThreadSlot::missed` exists for, made deterministic (docs/TESTING.md).
napi_value InterruptDuringSignal(napi_env env, napi_callback_info info);

// The callback's side of interruptDuringSignal: files what the owner thread parked.
void FileParked(ThreadSlot* slot);

// snapshot(thread) -> id (0: no such thread): asks the thread for its current frames,
// without stopping it. takeSnapshot(id, abandon) -> frames ([] when the thread was idle
// in its event loop), or undefined while it has not answered (abandon: stop waiting).
napi_value Snapshot(napi_env env, napi_callback_info info);
napi_value TakeSnapshot(napi_env env, napi_callback_info info);

}  // namespace interruptible::requests
