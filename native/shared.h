// What the addon shares with the TypeScript layer of the same thread: the Int32 fields of
// one small buffer per thread, and the kinds of delivery. addon.cc exports these numbers
// and src/native.ts reads them from the binding, so the two sides cannot drift apart.
// Each field has one writer (docs/BOUNDARY.md, "Shared state").
#pragma once

#include <cstdint>

namespace interruptible {

enum SharedField : int32_t {
  kShieldDepth = 0,  // writer: TypeScript (src/shield.ts). Shields held now.
  kHeld = 1,         // writer: native, owner thread. A delivery waits for the outermost shield's exit.
  kQueued = 2,       // writer: native, any thread under ThreadSlot::mu. Requests queued.
  kFired = 3,        // writer: native, owner thread. A termination of ours is in flight.
  kDepth = 4,        // writer: native, owner thread. Regions active (the native stack's height).
  kAsync = 5,        // writer: native, owner thread. The region that just ended returned a
                     // promise: it is now an async region (async.h).
  kSharedFields = 6,
};

// A region's entry arguments, in a Float64Array of their own: TypeScript (src/region.ts)
// writes them immediately before it calls run(fn, scope), which reads them at its entry,
// before any JavaScript can run. Passing numbers this way costs a store each; as V8
// arguments they cost a type check and an unboxing call each, on the hottest path.
enum EntryField : int32_t {
  kEntryToken = 0,      // writer: TypeScript. The region's token (a whole number > 0).
  kEntryTimeoutMs = 1,  // writer: TypeScript. Its deadline in ms from now; 0: none.
  kEntryAsyncId = 2,    // writer: TypeScript. The execution async id at entry.
  kEntryLeftMs = 3,     // writer: native (boundary). When a region with a deadline goes on as
                        // an async region: the ms left until that deadline.
  kEntryFields = 4,
};

// What ended a region: a request (interrupt()) or its deadline.
enum class Kind : int32_t { kRequest = 1, kDeadline = 2 };

}  // namespace interruptible
