// Regions whose function returned a promise (src/async-region.ts): after the synchronous
// part, the region is no longer on the native stack, but its handle still names it until
// the promise settles. A request for it is queued here and announced to the thread's
// JavaScript through a thread-safe function; the TypeScript side rejects the promise and
// aborts the region's signal. Nothing is terminated: code after an await is not stopped.
#pragma once

#include "registry.h"

namespace interruptible::async {

// setAsyncListener(fn): fn(token) is called on this thread when a request for async
// region `token` was accepted. Once per thread.
napi_value SetListener(napi_env env, napi_callback_info info);

// Owner thread, from the boundary, before the region stops being active: region `token`
// returned a promise and stays reachable as an async region. Under nothing; takes mu.
void Begin(ThreadSlot* slot, int64_t token);

// Owner thread: region `token` will not go on as an async region after all (an interrupt
// ended it on its way out).
void Forget(ThreadSlot* slot, int64_t token);

// Whether `value` is a thenable (an object or function with a callable `then`). Reads
// `then` once; a getter that throws makes it not one (the exception is cleared).
bool IsThenable(ThreadSlot* slot, v8::Local<v8::Value> value);

// asyncEnd(token) -> null | { kind, token, reason }: the region ends (its promise settled,
// or a request was delivered); returns the request accepted for it, if any (G12).
napi_value End(napi_env env, napi_callback_info info);

// Any thread, under the registry lock: queues `req` if its region is an async region of
// `target` that has not ended. False when it is not.
bool Queue(ThreadSlot* target, Request& req);

}  // namespace interruptible::async
