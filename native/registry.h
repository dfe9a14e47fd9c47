// One ThreadSlot per thread (isolate + Node environment) that loaded the addon.
//
// Other threads reach a slot only through `registry::Locked`, which holds the registry
// mutex; the slot's own thread removes it in an env cleanup hook that takes the same
// mutex, so a requester never touches an isolate that is going away.
#pragma once

#include <node.h>
#include <node_api.h>
#include <v8.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "clock.h"
#include "shared.h"
#include "stack.h"

namespace interruptible {

namespace watchdog {
struct Heartbeat;
}

// Whether an accepted request is delivered is settled by one atomic per request, shared
// by the requester (who answers interrupt()'s true/false) and the target thread (which
// claims it for delivery, or drops it): docs/BOUNDARY.md, "Accepted means delivered".
enum RequestState : int { kPublished = 0, kCommitted = 1, kWithdrawn = 2 };
using SharedState = std::shared_ptr<std::atomic<int>>;

// Moves `state` from kPublished to `to`; returns the state it ends in.
inline int ResolveRequest(const SharedState& state, int to) {
  int expected = kPublished;
  state->compare_exchange_strong(expected, to);
  return expected == kPublished ? to : expected;
}

// An interrupt request queued on its target thread.
struct Request {
  int64_t token = 0;        // the region it aims at (never 0 once queued)
  int64_t deliver_at = 0;   // a grace period holds it back until then
  bool has_reason = false;  // false: the reason is `undefined`
  std::vector<uint8_t> reason;  // structured-clone bytes made by the requester
  SharedState state;
};

// A request a test parked to be filed while the thread's interrupt callback runs
// (requests.h, interruptDuringSignal).
struct ParkedRequest {
  uint32_t thread = 0;
  Request request;
};

// One active region on the slot's thread, outermost first.
struct RegionFrame {
  int64_t token;
  double async_id;          // execution async id at entry (docs/BOUNDARY.md, step 2)
  int64_t deadline;         // kNever: none
  int64_t outer_earliest;   // the slot's earliest deadline before this frame
  int32_t shield_depth;     // shields held at entry: more now means code inside the
                            // region is shielded and the region cannot be interrupted
};

// A termination of ours: what the callback decided, carried to the boundary that ends it.
struct Delivery {
  int64_t token = 0;  // the region it ends
  Kind kind = Kind::kRequest;
  bool has_reason = false;
  std::vector<uint8_t> reason;
  SharedState state;          // a request's (committed); empty for a deadline
  std::vector<Frame> frames;  // where the thread was when the callback (or boundary) saw it
};

struct ThreadSlot {
  // Set once by Register, before any other thread can see the slot.
  uint32_t id = 0;
  v8::Isolate* isolate = nullptr;
  node::Environment* env = nullptr;
  napi_env napi = nullptr;

  // ---- owner thread only ---------------------------------------------------------
  std::vector<RegionFrame> regions;  // the active regions (the boundary pushes and pops)
  // Our termination from the callback that requested it to the boundary that ends it;
  // empty when none is in flight (mirrored in shared[kFired] for TypeScript).
  std::optional<Delivery> fired;
  // What the last converting boundary caught, until TypeScript collects it.
  std::optional<Delivery> outcome;
  // The callback ran while `fired` was set and skipped its decision: the boundary that
  // ends `fired` signals again.
  bool missed = false;
  // Test-only: filed by the next callback after its decision (requests.h).
  std::vector<ParkedRequest> parked;
  int32_t* shared = nullptr;  // SharedField-indexed; V8 owns the memory (see addon.cc)
  napi_ref shared_ref = nullptr;
  double* entry = nullptr;  // EntryField-indexed, the same way
  napi_ref entry_ref = nullptr;
  napi_ref sentinel_ref = nullptr;
  napi_ref noop_ref = nullptr;        // a JS function that does nothing (requests.cc, Hurry)
  napi_ref suppressed_ref = nullptr;  // the region's own error an interrupt superseded, for outcome()
  v8::Eternal<v8::String> then_key;   // "then", made on first use (async.cc, IsThenable)

  // ---- any thread ----------------------------------------------------------------
  // The active regions' tokens, published without a lock (the region path takes none):
  // the owner writes tokens[d] before it raises `depth`, so a requester that finds a
  // token below `depth` saw that region active. Deeper nesting is refused.
  static constexpr int32_t kMaxDepth = 4096;
  std::atomic<int32_t> depth{0};
  std::unique_ptr<std::atomic<int64_t>[]> tokens{new std::atomic<int64_t>[kMaxDepth]};
  // At most one V8 interrupt pending per thread: V8 queues every call (docs/HAZARDS.md).
  std::atomic<bool> signalled{false};
  // Earliest deadline of the active regions; written by the owner, read by the timer.
  std::atomic<int64_t> earliest{kNever};

  // ---- under `mu` ----------------------------------------------------------------
  std::mutex mu;
  std::vector<Request> requests;
  std::vector<uint32_t> snapshots;  // stack snapshots asked for (see stack.h)
  // Regions whose synchronous part returned a promise that has not settled (async.h),
  // and the requests accepted for them.
  std::vector<int64_t> async_tokens;
  std::vector<Request> async_requests;

  // ---- any thread, under the registry lock ---------------------------------------
  // Tells the thread's JavaScript that a request for an async region arrived; created by
  // the owner, cleared by its finalizer on the owner thread (under the registry lock).
  napi_threadsafe_function async_listener = nullptr;

  // ---- timer thread only, under the registry lock --------------------------------
  int64_t reported_deadline = kNever;  // the expired deadline it already reported

  // ---- under the registry lock ---------------------------------------------------
  // The loop heartbeat a stall watch asked for (watchdog.h): the owner thread makes,
  // starts, stops and frees it; the watchdog thread reads it.
  watchdog::Heartbeat* heartbeat = nullptr;

  // Sequentially consistent, with `depth` on the boundary's exit: a requester publishes,
  // then checks the region is active; the boundary lowers `depth`, then checks the queue.
  // One of the two always sees the other (docs/BOUNDARY.md, "Accepted means delivered").
  void PublishQueued() {  // under mu
    __atomic_store_n(&shared[kQueued], static_cast<int32_t>(requests.size()), __ATOMIC_SEQ_CST);
  }
  bool AnyQueued() const { return __atomic_load_n(&shared[kQueued], __ATOMIC_SEQ_CST) != 0; }

  // Any thread: the token of the region the request aims at if it is active now.
  // `token` 0 names the outermost region.
  std::optional<int64_t> FindActive(int64_t token) const {
    const int32_t d = depth.load(std::memory_order_seq_cst);
    if (token == 0) {
      if (d == 0) return std::nullopt;
      const int64_t outermost = tokens[0].load(std::memory_order_seq_cst);
      return outermost != 0 ? std::optional<int64_t>(outermost) : std::nullopt;
    }
    for (int32_t i = 0; i < d; ++i)
      if (tokens[i].load(std::memory_order_seq_cst) == token) return token;
    return std::nullopt;
  }

  // Owner thread: the index of region `token` in `regions`, if it is active.
  std::optional<size_t> IndexOf(int64_t token) const {
    for (size_t i = 0; i < regions.size(); ++i)
      if (regions[i].token == token) return i;
    return std::nullopt;
  }
};

namespace registry {

// Creates the calling thread's slot and the cleanup hook that removes it.
ThreadSlot* Register(napi_env env);

// A random value fixed for the life of the process: tells our handles from another process's.
double ProcessNonce();

// Holds the registry lock for its lifetime.
class Locked {
 public:
  Locked();
  ~Locked();
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

  ThreadSlot* Find(uint32_t id) const;  // nullptr: gone (or never existed)
  bool Issued(uint32_t id) const;       // was this id ever given out in this process?
  template <typename F>
  void ForEach(F&& f) const {
    for (ThreadSlot* s : Slots()) f(s);
  }

 private:
  const std::vector<ThreadSlot*>& Slots() const;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace registry
}  // namespace interruptible
