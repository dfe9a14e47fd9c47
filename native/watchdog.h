// The stall watchdog: one native thread for the process that notices an event loop that
// has not turned for a threshold and asks that thread for its frames through the
// interrupt callback (capture only, never a termination), again while the stall lasts.
//
// Each watched thread's loop publishes a heartbeat: a uv_prepare handle counts its turns
// and stores the loop's time in atomics, just before each poll (no JavaScript, no clock
// call per turn). A loop whose count has not moved for the threshold is either waiting
// for I/O (idle) or blocked somewhere in a turn. The watchdog tells the two apart by
// asking for its frames: an idle thread answers at once with none (the request wakes its
// loop), a busy one with its frames, and a thread blocked in native code does not answer
// (state 'native').
#pragma once

#include "registry.h"

namespace interruptible::watchdog {

// watch(all, thresholdMs, sampleEveryMs, answerMs, log, onReport) -> id
//   all         watch every registered thread (true) or only the calling one
//   answerMs    how long a thread may take to answer before it counts as blocked in native code
//   onReport    called on this thread with { thread, blockedMs, ongoing, samples }
// The watch ends with unwatch(id), or when this thread's environment is torn down.
napi_value Watch(napi_env env, napi_callback_info info);
// unwatch(id): stops the watch; no report is delivered after it returns. Own watches only.
napi_value Unwatch(napi_env env, napi_callback_info info);

}  // namespace interruptible::watchdog
