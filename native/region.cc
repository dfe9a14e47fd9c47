#include "region.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <utility>

#include "clone.h"
#include "compat.h"
#include "deadline.h"
#include "stack.h"

namespace interruptible::region {

namespace {

// How often a request held by a foreign async scope is retried.
constexpr int64_t kAsyncRetryNs = 200'000;
constexpr size_t kNone = static_cast<size_t>(-1);

Slot* SlotOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  void* data = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, &data);
  return static_cast<Slot*>(data);
}

size_t IndexOf(const std::vector<RegionFrame>& regions, int64_t token) {
  for (size_t i = 0; i < regions.size(); ++i)
    if (regions[i].token == token) return i;
  return kNone;
}

// True once Node has begun stopping this thread (worker.terminate(), process.exit()).
// Every N-API call with a preamble refuses to run then; napi's last exception must be
// empty for the answer to mean that.
bool EnvStopping(napi_env env) {
  napi_value undefined = nullptr;
  napi_value b = nullptr;
  napi_get_undefined(env, &undefined);
  return napi_coerce_to_bool(env, undefined, &b) != napi_ok;
}

void Decide(Slot* slot);

void OnSignal(void* data) {
  const auto id = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  Slot* slot;
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

// Caller holds the registry lock or runs on the slot's own thread (slot and env alive).
// node::RequestInterrupt rather than Isolate::RequestInterrupt: Node owns the lifetime of
// the callback data across env teardown, and the request also wakes an idle event loop,
// so a request to an idle thread is dropped at once instead of waiting for its next JS.
void Signal(Slot* slot) {
  if (!slot->signalled.exchange(true))
    node::RequestInterrupt(slot->env, OnSignal,
                           reinterpret_cast<void*>(static_cast<uintptr_t>(slot->id)));
}

// Owner thread, at a stack check (or where a hold ends). Terminates for the outermost
// region that is due; holds while shielded or inside a foreign async scope; else drops.
void Decide(Slot* slot) {
  if (slot->fired.token != 0) {
    // One termination of ours at a time; its boundary asks again (see Settle).
    slot->missed = true;
    return;
  }
  const std::vector<RegionFrame>& regions = slot->regions;
  if (regions.empty()) return;
  const int64_t now = NowNs();
  // Per region (outermost first): is it due, and by which request (kNone: its deadline).
  constexpr size_t kNotDue = static_cast<size_t>(-2);
  std::vector<size_t> due(regions.size(), kNotDue);
  for (size_t i = 0; i < regions.size(); ++i)
    if (regions[i].deadline <= now) due[i] = kNone;
  std::unique_lock<std::mutex> lock(slot->mu);
  for (size_t r = 0; r < slot->requests.size(); ++r) {
    if (slot->requests[r].deliver_at > now) continue;
    const size_t i = IndexOf(regions, slot->requests[r].token);
    if (i != kNone && due[i] == kNotDue) due[i] = r;
  }
  const int32_t shields = slot->shared[kShieldDepth];
  double async_id = -1;
  size_t target = kNone;
  bool retry = false;
  for (size_t i = 0; i < regions.size() && target == kNone; ++i) {
    if (due[i] == kNotDue) continue;
    if (shields > regions[i].shield_depth) {
      slot->shared[kHeld] = 1;  // a shield's exit calls Release
      continue;
    }
    if (async_id < 0) async_id = node::AsyncHooksGetExecutionAsyncId(slot->isolate);
    if (async_id != regions[i].async_id) {
      // Inside an async scope opened in the region (runInAsyncScope and friends):
      // terminating here would corrupt Node's async-id stack and abort the process.
      retry = true;
      continue;
    }
    target = i;
  }
  if (target == kNone) {
    lock.unlock();
    if (retry) deadline::WakeAt(now + kAsyncRetryNs, slot->id);
    return;
  }
  const size_t request = due[target];
  Delivery& d = slot->fired;
  d.token = regions[target].token;
  if (request != kNone) {
    d.kind = Kind::kRequest;
    d.has_reason = slot->requests[request].has_reason;
    d.reason = std::move(slot->requests[request].reason);
    slot->requests.erase(slot->requests.begin() + static_cast<ptrdiff_t>(request));
    slot->SetQueued();
  } else {
    d.kind = Kind::kDeadline;
  }
  lock.unlock();
  d.frames = CaptureStack(slot->isolate);
  slot->shared[kFired] = 1;
  slot->isolate->TerminateExecution();
}

// Takes back a termination that the callback requested but V8 has not acted on yet,
// returning the request to the queue so that it is decided again later. Returns false
// when Node is stopping the thread: then the pending termination is Node's to finish.
// napi's last exception must be empty (see EnvStopping).
bool Withdraw(Slot* slot) {
  if (EnvStopping(slot->napi)) return false;
  slot->isolate->CancelTerminateExecution();
  if (EnvStopping(slot->napi)) {
    slot->isolate->TerminateExecution();
    return false;
  }
  Delivery d = std::move(slot->fired);
  slot->fired = Delivery{};
  slot->shared[kFired] = 0;
  if (d.kind == Kind::kRequest) {
    // A deadline needs no requeue: it stays due by itself.
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->requests.push_back(Request{d.token, 0, d.has_reason, std::move(d.reason)});
    slot->SetQueued();
  }
  return true;
}

// A region on the slot's region stack for exactly the lifetime of the boundary's frame.
// Lock-free unless requests are queued: requesters find active regions in slot->tokens.
class ActiveRegion {
 public:
  ActiveRegion(Slot* slot, int64_t token, double async_id, double timeout_ms) : slot_(slot) {
    RegionFrame f{token, async_id, kNever, slot->earliest.load(std::memory_order_relaxed),
                  slot->shared[kShieldDepth]};
    if (timeout_ms > 0) f.deadline = AfterMs(timeout_ms);
    const auto d = static_cast<int32_t>(slot->regions.size());
    slot->regions.push_back(f);
    slot->tokens[d].store(token, std::memory_order_release);
    slot->depth.store(d + 1, std::memory_order_release);
    if (f.deadline < f.outer_earliest) {
      slot->earliest.store(f.deadline);
      deadline::Armed(f.deadline);
    }
  }

  ~ActiveRegion() {
    const RegionFrame f = slot_->regions.back();
    slot_->regions.pop_back();
    slot_->depth.store(static_cast<int32_t>(slot_->regions.size()), std::memory_order_release);
    if (slot_->AnyQueued()) {
      // Requests for regions no longer active are dropped (G1): this one's, and any that a
      // requester queued for a region that ended while it was queuing.
      std::lock_guard<std::mutex> lock(slot_->mu);
      auto& q = slot_->requests;
      q.erase(std::remove_if(q.begin(), q.end(),
                             [&](const Request& r) { return IndexOf(slot_->regions, r.token) == kNone; }),
              q.end());
      slot_->SetQueued();
    }
    if (f.deadline < f.outer_earliest) slot_->earliest.store(f.outer_earliest);
  }

  int32_t shield_depth() const { return slot_->regions.back().shield_depth; }

  ActiveRegion(const ActiveRegion&) = delete;
  ActiveRegion& operator=(const ActiveRegion&) = delete;

 private:
  Slot* slot_;
};

napi_value Rethrow(napi_env env, napi_status status, napi_value result, napi_value thrown) {
  if (status == napi_ok) return result;
  napi_throw(env, thrown);
  return nullptr;
}

// The slow path of the boundary: the callback terminated for some region while fn ran.
napi_value Settle(Slot* slot, int64_t token, napi_status status, napi_value result,
                  const compat::Cped& cped, int32_t shield_depth) {
  napi_env env = slot->napi;
  v8::Isolate* isolate = slot->isolate;
  const bool mine = slot->fired.token == token;
  const bool terminating = isolate->IsExecutionTerminating();
  // An outer region's termination, unwinding through us: its boundary converts it.
  if (terminating && !mine) return nullptr;

  // From here the termination (unwinding or still pending in V8's stack guard) is ours
  // to end, unless Node is stopping the thread: then it is Node's, and we step aside.
  napi_value thrown = nullptr;
  if (status != napi_ok) napi_get_and_clear_last_exception(env, &thrown);
  if (!mine) {
    // fn returned (or threw its own error) before the termination meant for an outer
    // region took effect: hand it back, to land in that region.
    if (!Withdraw(slot)) return nullptr;
    slot->missed = false;
    Signal(slot);
    return Rethrow(env, status, result, thrown);
  }
  if (EnvStopping(env)) return nullptr;
  // Clears a termination that has not taken effect yet, too (DESIGN step 3).
  isolate->CancelTerminateExecution();
  if (EnvStopping(env)) {
    // Node began stopping between the probe and the cancel: give its termination back.
    isolate->TerminateExecution();
    return nullptr;
  }
  Delivery delivery = std::move(slot->fired);
  slot->fired = Delivery{};
  slot->shared[kFired] = 0;
  if (slot->missed) {
    slot->missed = false;
    Signal(slot);
  }
  // Ours, but fn got out before the termination took effect: its own outcome stands.
  if (!terminating) return Rethrow(env, status, result, thrown);
  compat::SetCped(isolate, cped);
  // A termination never crosses one of our shields (G4); should Node's have done so, the
  // count goes back to what this region saw at entry.
  slot->shared[kShieldDepth] = shield_depth;
  slot->outcome = std::move(delivery);
  napi_value sentinel = nullptr;
  napi_get_reference_value(env, slot->sentinel_ref, &sentinel);
  return sentinel;
}

napi_value ReasonToJs(napi_env env, const Delivery& d) {
  napi_value v = nullptr;
  if (!d.has_reason) {
    napi_get_undefined(env, &v);
    return v;
  }
  return clone::Deserialize(env, d.reason);
}

napi_value Int64(napi_env env, int64_t i) {
  napi_value v = nullptr;
  napi_create_int64(env, i, &v);
  return v;
}

}  // namespace

void Check(Slot* slot) { Signal(slot); }

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  Slot* slot = SlotOf(env, info, &argc, argv);
  int64_t token = 0;
  double timeout_ms = 0;
  double async_id = 0;
  napi_get_value_int64(env, argv[0], &token);
  napi_get_value_double(env, argv[3], &timeout_ms);
  napi_get_value_double(env, argv[4], &async_id);
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  if (slot->regions.size() >= static_cast<size_t>(Slot::kMaxDepth)) {
    napi_throw_range_error(env, "ERR_INTERRUPTIBLE_DEPTH", "regions are nested too deeply");
    return nullptr;
  }

  const compat::Cped cped = compat::GetCped(slot->isolate);
  ActiveRegion active(slot, token, async_id, timeout_ms);
  napi_value result = nullptr;
  const napi_status status = napi_call_function(env, undefined, argv[1], 1, &argv[2], &result);
  if (slot->fired.token == 0) return result;  // nothing of ours in flight: the common path
  return Settle(slot, token, status, result, cped, active.shield_depth());
}

napi_value Interrupt(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  SlotOf(env, info, &argc, argv);
  uint32_t thread = 0;
  double grace_ms = 0;
  Request req;
  napi_get_value_uint32(env, argv[0], &thread);
  napi_get_value_int64(env, argv[1], &req.token);
  napi_get_value_double(env, argv[3], &grace_ms);
  napi_valuetype type = napi_undefined;
  napi_typeof(env, argv[2], &type);
  if (type != napi_undefined) {
    req.has_reason = true;
    if (!clone::Serialize(env, argv[2], &req.reason)) return nullptr;  // DataCloneError pending
  }
  req.deliver_at = grace_ms > 0 ? AfterMs(grace_ms) : 0;

  int32_t answer = 0;
  {
    registry::Locked reg;
    Slot* target = reg.Find(thread);
    if (target == nullptr) {
      answer = reg.Issued(thread) ? 0 : -1;
    } else {
      const int64_t deliver_at = req.deliver_at;
      const bool active = target->FindActive(&req.token);
      if (active) {
        std::lock_guard<std::mutex> lock(target->mu);
        target->requests.push_back(std::move(req));
        target->SetQueued();
      }
      if (active) {
        if (deliver_at == 0)
          Signal(target);
        else
          deadline::WakeAt(deliver_at, thread);
      }
      answer = active ? 1 : 0;
    }
  }
  napi_value v = nullptr;
  napi_create_int32(env, answer, &v);
  return v;
}

napi_value Snapshot(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  SlotOf(env, info, &argc, argv);
  uint32_t thread = 0;
  napi_get_value_uint32(env, argv[0], &thread);
  uint32_t id = 0;
  {
    registry::Locked reg;
    if (Slot* target = reg.Find(thread)) {
      id = snapshots::Open();
      {
        std::lock_guard<std::mutex> lock(target->mu);
        target->snapshots.push_back(id);
      }
      Signal(target);
    }
  }
  napi_value v = nullptr;
  napi_create_uint32(env, id, &v);
  return v;
}

napi_value TakeSnapshot(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  SlotOf(env, info, &argc, argv);
  uint32_t id = 0;
  bool abandon = false;
  napi_get_value_uint32(env, argv[0], &id);
  napi_get_value_bool(env, argv[1], &abandon);
  std::vector<Frame> frames;
  napi_value v = nullptr;
  if (snapshots::Take(id, &frames)) return FramesToJs(env, frames);
  if (abandon) snapshots::Abandon(id);
  napi_get_undefined(env, &v);
  return v;
}

napi_value Pending(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Slot* slot = SlotOf(env, info, &argc, argv);
  int64_t token = 0;
  bool deliverable = false;
  napi_get_value_int64(env, argv[0], &token);
  napi_get_value_bool(env, argv[1], &deliverable);
  napi_value none = nullptr;
  napi_get_null(env, &none);

  const std::vector<RegionFrame>& regions = slot->regions;
  const size_t mine = IndexOf(regions, token);
  if (mine == kNone) return none;
  // deliverable: only what a shield between that region and here does not hold back
  // (checkpoint() must not throw through a shield, G4).
  const int32_t shields = slot->shared[kShieldDepth];
  auto held = [&](size_t i) { return deliverable && shields > regions[i].shield_depth; };
  const int64_t now = NowNs();
  Delivery found;
  for (size_t i = 0; i <= mine; ++i) {
    if (regions[i].deadline <= now && !held(i)) {
      found.token = regions[i].token;
      found.kind = Kind::kDeadline;
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    size_t best = found.token ? IndexOf(regions, found.token) : kNone;
    for (const Request& r : slot->requests) {
      const size_t i = IndexOf(regions, r.token);
      if (i <= mine && !held(i) && (best == kNone || i < best)) {
        best = i;
        found.token = r.token;
        found.kind = Kind::kRequest;
        found.has_reason = r.has_reason;
        found.reason = r.reason;
      }
    }
  }
  if (found.token == 0) return none;
  napi_value o = nullptr;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "kind", Int64(env, static_cast<int64_t>(found.kind)));
  napi_set_named_property(env, o, "token", Int64(env, found.token));
  napi_set_named_property(env, o, "reason", ReasonToJs(env, found));
  return o;
}

napi_value Release(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Slot* slot = SlotOf(env, info, &argc, nullptr);
  slot->shared[kHeld] = 0;
  Decide(slot);
  return nullptr;
}

napi_value Hold(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Slot* slot = SlotOf(env, info, &argc, nullptr);
  if (slot->fired.token != 0 && !slot->isolate->IsExecutionTerminating() && Withdraw(slot))
    slot->shared[kHeld] = 1;
  return nullptr;
}

napi_value Outcome(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Slot* slot = SlotOf(env, info, &argc, nullptr);
  Delivery d = std::move(slot->outcome);
  slot->outcome = Delivery{};
  napi_value o = nullptr;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "kind", Int64(env, static_cast<int64_t>(d.kind)));
  napi_set_named_property(env, o, "token", Int64(env, d.token));
  napi_set_named_property(env, o, "reason", ReasonToJs(env, d));
  napi_set_named_property(env, o, "frames", FramesToJs(env, d.frames));
  return o;
}

}  // namespace interruptible::region
