// Whose termination is it? The one place that decides, and the one way to end or take
// back a termination of ours (docs/BOUNDARY.md, step 4).
//
// A termination on this thread is either ours (the callback requested it for a region:
// ThreadSlot::fired is set) or Node's (worker.terminate(), process.exit(), a vm timeout).
// Node marks the environment as stopping before it terminates for worker.terminate() and
// process.exit(); we never end a termination once that mark is set, and we probe for it
// both before and after cancelling, so that a stop that begins in between wins.
// A vm timeout does not set the mark; its termination is told apart because `fired` is
// empty, or names another region, when it reaches our boundary.
#pragma once

#include "registry.h"

namespace interruptible::termination {

// True once Node has begun stopping this thread. napi's last exception must be empty
// for the answer to mean that (every N-API call with a preamble refuses to run then).
bool NodeStopping(napi_env env);

// Ends our termination, whether it is unwinding or still pending in V8's stack guard,
// and hands back what it delivers (precondition: `fired` is set). Empty when Node is
// stopping the thread: then the termination is Node's to finish and `fired` stays.
std::optional<Delivery> End(ThreadSlot* slot);

// Takes back our termination before it took effect and returns its request to the
// queue, to be decided again (a deadline stays due by itself). False when Node is
// stopping the thread.
bool TakeBack(ThreadSlot* slot);

}  // namespace interruptible::termination
