// The one timer thread of the process (G8). It serves:
//  - region deadlines: each slot publishes the earliest deadline of its active regions in
//    an atomic; arming is a store, and the thread is woken only when a deadline is earlier
//    than the time it sleeps toward;
//  - one-shot wake-ups (grace periods, requests held inside a foreign async scope), kept
//    in a min-heap.
// When something is due it asks the slot's thread to check (see region.h); that thread
// decides with its own state, so a late or spurious check is harmless.
#pragma once

#include <cstdint>

#include "registry.h"

namespace interruptible::deadline {

// Called on the timer thread under the registry lock, for a slot with something due.
using CheckFn = void (*)(Slot* slot);
void SetCheck(CheckFn fn);

// A slot's earliest deadline became `when`: make sure the timer thread wakes by then.
void Armed(int64_t when);

// Ask for a check of slot `id` at `when`.
void WakeAt(int64_t when, uint32_t id);

}  // namespace interruptible::deadline
