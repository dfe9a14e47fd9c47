#include "callback.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "deadline.h"
#include "stack.h"

namespace interruptible::callback {

namespace {

// How often a request held by a foreign async scope is retried.
constexpr int64_t kAsyncRetryNs = 200'000;

// What makes a region due now.
struct Due {
  enum class By { kNothing, kDeadline, kRequest } by = By::kNothing;
  size_t request = 0;  // with kRequest: its index in ThreadSlot::requests
};

// Per region, outermost first: what makes it due now. A due request aimed at an active
// region is committed here (its requester saw that region active too); one its requester
// withdrew is left for DropWithdrawn. Under slot->mu.
std::vector<Due> DueNow(const ThreadSlot* slot, int64_t now) {
  const std::vector<RegionFrame>& regions = slot->regions;
  std::vector<Due> due(regions.size());
  for (size_t i = 0; i < regions.size(); ++i)
    if (regions[i].deadline <= now) due[i].by = Due::By::kDeadline;
  for (size_t r = 0; r < slot->requests.size(); ++r) {
    const Request& q = slot->requests[r];
    if (q.deliver_at > now) continue;
    const std::optional<size_t> i = slot->IndexOf(q.token);
    if (!i || due[*i].by != Due::By::kNothing) continue;
    if (ResolveRequest(q.state, kCommitted) == kCommitted) due[*i] = Due{Due::By::kRequest, r};
  }
  return due;
}

// Requests whose requester found the region gone before it could commit. Under slot->mu.
void DropWithdrawn(ThreadSlot* slot) {
  auto& q = slot->requests;
  const size_t before = q.size();
  q.erase(std::remove_if(q.begin(), q.end(), [](const Request& r) { return r.state->load() == kWithdrawn; }), q.end());
  if (q.size() != before) slot->PublishQueued();
}

// The outermost due region that may be terminated now. A region held by a shield marks
// the hold (the outermost shield's exit decides again, shield.cc); one held by a foreign
// async scope asks for a retry.
std::optional<size_t> Target(ThreadSlot* slot, const std::vector<Due>& due, bool* retry) {
  const std::vector<RegionFrame>& regions = slot->regions;
  const int32_t shields = slot->shared[kShieldDepth];
  double async_id = -1;
  for (size_t i = 0; i < regions.size(); ++i) {
    if (due[i].by == Due::By::kNothing) continue;
    if (shields > regions[i].shield_depth) {
      slot->shared[kHeld] = 1;
      continue;
    }
    if (async_id < 0) async_id = node::AsyncHooksGetExecutionAsyncId(slot->isolate);
    if (async_id != regions[i].async_id) {
      // Inside an async scope opened in the region (runInAsyncScope and friends):
      // terminating here would corrupt Node's async-id stack and abort the process.
      *retry = true;
      continue;
    }
    return i;
  }
  return std::nullopt;
}

// What terminating region `i` delivers; a request leaves the queue. Under slot->mu.
Delivery Take(ThreadSlot* slot, size_t i, const Due& due) {
  Delivery d;
  d.token = slot->regions[i].token;
  if (due.by == Due::By::kDeadline) {
    d.kind = Kind::kDeadline;
    return d;
  }
  Request& r = slot->requests[due.request];
  d.kind = Kind::kRequest;
  d.has_reason = r.has_reason;
  d.reason = std::move(r.reason);
  d.state = std::move(r.state);
  slot->requests.erase(slot->requests.begin() + static_cast<ptrdiff_t>(due.request));
  slot->PublishQueued();
  return d;
}

void OnSignal(void* data) {
  const auto id = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  ThreadSlot* slot;
  {
    registry::Locked reg;
    slot = reg.Find(id);
  }
  // Only this thread's cleanup hook deletes its slot, and we are on this thread.
  if (slot == nullptr) return;
  slot->signalled.store(false);
  std::vector<uint32_t> snapshots;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    snapshots.swap(slot->snapshots);
  }
  if (!snapshots.empty()) {
    // No frames: the thread was idle in its event loop.
    std::vector<Frame> frames = CaptureStack(slot->isolate);
    for (uint32_t snapshot : snapshots) snapshots::Fill(snapshot, frames);
  }
  Decide(slot);
}

}  // namespace

// node::RequestInterrupt rather than Isolate::RequestInterrupt: Node owns the lifetime of
// the callback data across env teardown, and the request also wakes an idle event loop,
// so a request to an idle thread is dropped at once instead of waiting for its next JS.
void Signal(ThreadSlot* slot) {
  if (!slot->signalled.exchange(true))
    node::RequestInterrupt(slot->env, OnSignal,
                           reinterpret_cast<void*>(static_cast<uintptr_t>(slot->id)));
}

void Decide(ThreadSlot* slot) {
  if (slot->fired) {
    // One termination of ours at a time; its boundary signals again (boundary.cc).
    slot->missed = true;
    return;
  }
  if (slot->regions.empty()) return;
  const int64_t now = NowNs();
  std::unique_lock<std::mutex> lock(slot->mu);
  DropWithdrawn(slot);
  const std::vector<Due> due = DueNow(slot, now);
  bool retry = false;
  const std::optional<size_t> target = Target(slot, due, &retry);
  std::optional<Delivery> d;
  if (target) d = Take(slot, *target, due[*target]);
  lock.unlock();
  // A region held by a foreign async scope is looked at again soon, also when an inner
  // region ends now: nothing else would signal for it before its own exit.
  if (retry) deadline::WakeAt(now + kAsyncRetryNs, slot->id);
  if (!d) return;
  d->frames = CaptureStack(slot->isolate);
  slot->fired = std::move(d);
  slot->shared[kFired] = 1;
  slot->isolate->TerminateExecution();
}

bool DecideNow(ThreadSlot* slot) {
  if (slot->fired) return false;
  Decide(slot);
  if (slot->fired && !slot->isolate->IsExecutionTerminating()) {
    // Entering a JavaScript function is a stack check: the termination takes effect there
    // and unwinds from the binding call up to the region's boundary.
    napi_value noop = nullptr;
    napi_value undefined = nullptr;
    napi_value ignored = nullptr;
    napi_get_reference_value(slot->napi, slot->noop_ref, &noop);
    napi_get_undefined(slot->napi, &undefined);
    napi_call_function(slot->napi, undefined, noop, 0, nullptr, &ignored);
  }
  return slot->isolate->IsExecutionTerminating();
}

}  // namespace interruptible::callback
