// The interrupt callback: runs on the target thread at a stack check, answers stack
// snapshots, and decides what the requests and deadlines due now do (docs/BOUNDARY.md,
// step 2).
#pragma once

#include "registry.h"

namespace interruptible::callback {

// Asks the slot's thread to run the callback at its next stack check; coalesced, at most
// one pending per thread. Caller holds the registry lock, or runs on the slot's thread.
void Signal(ThreadSlot* slot);

// On the slot's thread: terminate for the outermost region that is due; hold while a
// shield or a foreign async scope is in the way; else drop. Called by the callback, and
// where a hold ends (the outermost shield's exit).
void Decide(ThreadSlot* slot);

// Decide on the calling thread (the slot's own), from inside a binding call, and make a
// termination it requests take effect at once rather than at the next stack check: the
// code after the call never runs (G13). True when a termination is now unwinding: the
// binding must return at once.
bool DecideNow(ThreadSlot* slot);

}  // namespace interruptible::callback
