// One slot per thread (isolate + Node environment) that loaded the addon.
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
#include <vector>

#include "clock.h"
#include "stack.h"

namespace interruptible {

enum class Kind : int32_t { kNone = 0, kRequest = 1, kDeadline = 2 };

// An interrupt request queued on its target thread.
struct Request {
  int64_t token = 0;        // the region it aims at
  int64_t deliver_at = 0;   // a grace period holds it back until then
  bool has_reason = false;  // false: the reason is `undefined`
  std::vector<uint8_t> reason;  // structured-clone bytes made by the requester
};

// One active region on the slot's thread, outermost first.
struct RegionFrame {
  int64_t token;
  double async_id;          // execution async id at entry (DESIGN step 2)
  int64_t deadline;         // kNever: none
  int64_t outer_earliest;   // the slot's earliest deadline before this frame
  int32_t shield_depth;     // shields held at entry: more now means code inside the
                            // region is shielded and the region cannot be interrupted
};

// What the interrupt callback delivered to a region; the boundary reports it.
struct Delivery {
  int64_t token = 0;  // 0: nothing
  Kind kind = Kind::kNone;
  bool has_reason = false;
  std::vector<uint8_t> reason;
  std::vector<Frame> frames;
};

// Int32 fields shared with the TypeScript layer of the slot's own thread.
enum SharedField : int {
  kShieldDepth = 0,  // written by TS: shields held now
  kHeld = 1,         // written by native: a delivery waits for the outermost shield to exit
  kQueued = 2,       // requests queued (written under Slot::mu, from any thread)
  kFired = 3,        // written by native: a termination of ours is in flight
  kSharedFields = 4,
};

struct Slot {
  uint32_t id = 0;
  v8::Isolate* isolate = nullptr;
  node::Environment* env = nullptr;
  napi_env napi = nullptr;

  // The active regions, owner thread only.
  std::vector<RegionFrame> regions;
  // Their tokens, published to requesters without a lock (the region path stays lock-free):
  // the owner writes tokens[d] before it raises `depth`, so a requester that finds a token
  // below `depth` saw that region active. Deeper nesting than kMaxDepth is refused.
  static constexpr int32_t kMaxDepth = 4096;
  std::atomic<int32_t> depth{0};
  std::unique_ptr<std::atomic<int64_t>[]> tokens{new std::atomic<int64_t>[kMaxDepth]};

  // Guards `requests` and `snapshots`.
  std::mutex mu;
  std::vector<Request> requests;
  std::vector<uint32_t> snapshots;  // stack snapshots asked for (see stack.h)

  // At most one V8 interrupt pending per thread: V8 queues every call (DESIGN step 2).
  std::atomic<bool> signalled{false};
  // Earliest deadline of the active regions; read by the deadline thread.
  std::atomic<int64_t> earliest{kNever};
  // Deadline thread only, under the registry lock: the expired deadline it already reported.
  int64_t reported_deadline = kNever;

  // Owner thread only.
  Delivery fired;    // terminated for, not yet seen by its boundary
  Delivery outcome;  // what the last converting boundary reports to TS
  bool missed = false;  // a check was skipped while `fired` was set: check again after it
  int32_t* shared = nullptr;
  napi_ref shared_ref = nullptr;
  napi_ref sentinel_ref = nullptr;

  void SetQueued() {  // under mu
    __atomic_store_n(&shared[kQueued], static_cast<int32_t>(requests.size()), __ATOMIC_RELEASE);
  }
  bool AnyQueued() const { return __atomic_load_n(&shared[kQueued], __ATOMIC_ACQUIRE) != 0; }

  // Any thread: was region `token` active during the call? (token 0: the outermost one,
  // which is then written back.)
  bool FindActive(int64_t* token) const {
    const int32_t d = depth.load(std::memory_order_acquire);
    if (*token == 0) {
      if (d == 0) return false;
      *token = tokens[0].load(std::memory_order_acquire);
      return *token != 0;
    }
    for (int32_t i = 0; i < d; ++i)
      if (tokens[i].load(std::memory_order_acquire) == *token) return true;
    return false;
  }
};

namespace registry {

// Creates the calling thread's slot and the cleanup hook that removes it.
Slot* Register(napi_env env);

// A random value fixed for the life of the process: tells our handles from another process's.
double ProcessNonce();

// Holds the registry lock for its lifetime.
class Locked {
 public:
  Locked();
  ~Locked();
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

  Slot* Find(uint32_t id) const;  // nullptr: gone (or never existed)
  bool Issued(uint32_t id) const; // was this id ever given out in this process?
  template <typename F>
  void ForEach(F&& f) const {
    for (Slot* s : Slots()) f(s);
  }

 private:
  const std::vector<Slot*>& Slots() const;
  std::unique_lock<std::mutex> lock_;
};

}  // namespace registry
}  // namespace interruptible
