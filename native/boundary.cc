#include "boundary.h"

#include <algorithm>
#include <utility>

#include "args.h"
#include "callback.h"
#include "compat.h"
#include "deadline.h"
#include "termination.h"

namespace interruptible::boundary {

namespace {

// A region on the slot's region stack for exactly the lifetime of the boundary's frame.
// Lock-free unless requests are queued: requesters find active regions in slot->tokens.
class ActiveRegion {
 public:
  ActiveRegion(ThreadSlot* slot, int64_t token, double async_id, double timeout_ms) : slot_(slot) {
    RegionFrame f{token, async_id, kNever, slot->earliest.load(std::memory_order_relaxed),
                  slot->shared[kShieldDepth]};
    if (timeout_ms > 0) f.deadline = AfterMs(timeout_ms);
    const auto d = static_cast<int32_t>(slot->regions.size());
    slot->regions.push_back(f);
    slot->tokens[d].store(token, std::memory_order_release);
    slot->depth.store(d + 1, std::memory_order_release);
    slot->shared[kDepth] = d + 1;
    if (f.deadline < f.outer_earliest) {
      slot->earliest.store(f.deadline);
      deadline::Earlier(f.deadline);
    }
  }

  ~ActiveRegion() {
    const RegionFrame f = slot_->regions.back();
    slot_->regions.pop_back();
    const auto d = static_cast<int32_t>(slot_->regions.size());
    slot_->depth.store(d, std::memory_order_release);
    slot_->shared[kDepth] = d;
    if (slot_->AnyQueued()) {
      // Requests for regions no longer active are dropped (G1): this one's, and any that a
      // requester queued for a region that ended while it was queuing.
      std::lock_guard<std::mutex> lock(slot_->mu);
      auto& q = slot_->requests;
      q.erase(std::remove_if(q.begin(), q.end(), [&](const Request& r) { return !slot_->IndexOf(r.token); }),
              q.end());
      slot_->PublishQueued();
    }
    if (f.deadline < f.outer_earliest) slot_->earliest.store(f.outer_earliest);
  }

  ActiveRegion(const ActiveRegion&) = delete;
  ActiveRegion& operator=(const ActiveRegion&) = delete;

 private:
  ThreadSlot* slot_;
};

napi_value Rethrow(napi_env env, napi_status status, napi_value result, napi_value thrown) {
  if (status == napi_ok) return result;
  napi_throw(env, thrown);
  return nullptr;
}

// The slow path: the callback terminated for some region while fn ran.
napi_value Settle(ThreadSlot* slot, int64_t token, napi_status status, napi_value result,
                  const compat::Cped& cped) {
  napi_env env = slot->napi;
  v8::Isolate* isolate = slot->isolate;
  const bool mine = slot->fired->token == token;
  const bool terminating = isolate->IsExecutionTerminating();
  // An outer region's termination, unwinding through us: its boundary ends it.
  if (terminating && !mine) return nullptr;

  // From here the termination (unwinding, or still pending in V8's stack guard) is ours
  // to end, unless Node is stopping the thread: then it is Node's, and we step aside.
  napi_value thrown = nullptr;
  if (status != napi_ok) napi_get_and_clear_last_exception(env, &thrown);
  if (!mine) {
    // fn returned (or threw its own error) before the termination meant for an outer
    // region took effect: hand it back, to land in that region.
    if (!termination::TakeBack(slot)) return nullptr;
    slot->missed = false;
    callback::Signal(slot);
    return Rethrow(env, status, result, thrown);
  }
  std::optional<Delivery> delivery = termination::End(slot);
  if (!delivery) return nullptr;
  if (slot->missed) {
    slot->missed = false;
    callback::Signal(slot);
  }
  // Ours, but fn got out before the termination took effect: its own outcome stands.
  if (!terminating) return Rethrow(env, status, result, thrown);
  compat::SetCped(isolate, cped);
  slot->outcome = std::move(delivery);
  napi_value sentinel = nullptr;
  napi_get_reference_value(env, slot->sentinel_ref, &sentinel);
  return sentinel;
}

}  // namespace

napi_value Run(napi_env env, napi_callback_info info) {
  Args args(env, info, 5);
  ThreadSlot* slot = args.slot();
  const int64_t token = args.Int64(0);
  const double timeout_ms = args.Double(3);
  const double async_id = args.Double(4);
  if (!args.ok()) return nullptr;
  if (slot->regions.size() >= static_cast<size_t>(ThreadSlot::kMaxDepth)) {
    napi_throw_range_error(env, "ERR_INTERRUPTIBLE_DEPTH", "regions are nested too deeply");
    return nullptr;
  }
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  napi_value scope = args.Value(2);

  const compat::Cped cped = compat::GetCped(slot->isolate);
  ActiveRegion active(slot, token, async_id, timeout_ms);
  napi_value result = nullptr;
  const napi_status status = napi_call_function(env, undefined, args.Value(1), 1, &scope, &result);
  if (!slot->fired) return result;  // nothing of ours in flight: the common path
  return Settle(slot, token, status, result, cped);
}

}  // namespace interruptible::boundary
