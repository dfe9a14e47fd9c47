// The region boundary: the native frame that calls a region's function, and the only
// place where a termination of ours ends (docs/BOUNDARY.md, steps 1, 3 and 4).
#pragma once

#include "registry.h"  // node.h first: it fixes NAPI_VERSION

namespace interruptible::boundary {

// run(fn, scope[, entered]): calls fn(scope) as a region; `entered()` first, if given, once
// the region is active (whoever learns from it that the thread runs a region can
// interrupt that region: StoppableWorker's 'running'). Its exception or termination
// ends the region as fn's would. Its numbers come through the thread's entry
// fields (shared.h, EntryField), written just before the call:
//   token      this region's id on this thread (> 0, fresh per region)
//   timeoutMs  its deadline in ms from now; 0: none
//   asyncId    the execution async id at entry, which the callback compares against
// Returns fn's result, rethrows fn's own error, passes through terminations that are not
// this region's, or returns the thread's sentinel (`interrupted`) when this region was
// interrupted; outcome() then says how (queries.h).
// MakeRun makes this thread's `run` function (a V8 function bound to `slot`).
napi_value MakeRun(napi_env env, ThreadSlot* slot);

}  // namespace interruptible::boundary
