// The one timer thread of the process (G8). It serves:
//  - region deadlines: each slot publishes the earliest deadline of its active regions in
//    an atomic; arming is a store, and the thread is woken only when a deadline is earlier
//    than the time it sleeps toward;
//  - one-shot wake-ups (grace periods, requests held inside a foreign async scope), kept
//    in a min-heap.
// When something is due it signals the slot's thread (callback.h); that thread decides
// with its own state, so a late or spurious signal is harmless.
#pragma once

#include <cstdint>

#include "registry.h"

namespace interruptible::deadline {

// A slot's earliest deadline became `when`: make sure the timer thread wakes by then.
void Earlier(int64_t when);

// Signal slot `id` at `when` (a grace period ends, a held request is retried).
void WakeAt(int64_t when, uint32_t id);

}  // namespace interruptible::deadline
