#include "boundary.h"

#include <algorithm>
#include <utility>

#include "args.h"
#include "async.h"
#include "callback.h"
#include "compat.h"
#include "deadline.h"
#include "stack.h"
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

  // Ends the region for requesters, then claims what is due for it on its way out: an
  // accepted request (G12), else a passed deadline (G14). A request still in its grace
  // period is dropped with the region, as are requests left for regions that ended.
  std::optional<Delivery> End(bool async = false) {
    ended_ = true;
    // A region that returned a promise stays reachable before it stops being active, so
    // that no request falls between the two (async.h).
    if (async) async::Begin(slot_, slot_->regions.back().token);
    slot_->shared[kAsync] = async ? 1 : 0;
    const RegionFrame f = slot_->regions.back();
    slot_->regions.pop_back();
    const auto d = static_cast<int32_t>(slot_->regions.size());
    slot_->depth.store(d, std::memory_order_seq_cst);  // before the queue is read: see PublishQueued
    slot_->shared[kDepth] = d;
    if (f.deadline < f.outer_earliest) slot_->earliest.store(f.outer_earliest);
    std::optional<Delivery> due;
    if (slot_->AnyQueued()) due = ClaimRequest(f.token);
    if (!due && f.deadline != kNever && f.deadline <= NowNs()) {
      due.emplace();
      due->token = f.token;
      due->kind = Kind::kDeadline;
    }
    return due;
  }

  ~ActiveRegion() {
    if (!ended_) End();
  }

  ActiveRegion(const ActiveRegion&) = delete;
  ActiveRegion& operator=(const ActiveRegion&) = delete;

 private:
  std::optional<Delivery> ClaimRequest(int64_t token) {
    std::optional<Delivery> claimed;
    const int64_t now = NowNs();
    std::lock_guard<std::mutex> lock(slot_->mu);
    auto& q = slot_->requests;
    for (Request& r : q) {
      if (claimed || r.token != token || r.deliver_at > now) continue;
      if (ResolveRequest(r.state, kCommitted) != kCommitted) continue;
      claimed.emplace();
      claimed->token = token;
      claimed->kind = Kind::kRequest;
      claimed->has_reason = r.has_reason;
      claimed->reason = std::move(r.reason);
      claimed->state = r.state;
    }
    // Everything left for this region or for regions no longer active goes (G1); a
    // requester still deciding finds its request withdrawn.
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](const Request& r) {
                             if (r.token != token && slot_->IndexOf(r.token)) return false;
                             ResolveRequest(r.state, kWithdrawn);
                             return true;
                           }),
            q.end());
    slot_->PublishQueued();
    return claimed;
  }

  ThreadSlot* slot_;
  bool ended_ = false;
};

// The region ends with `delivery`: the boundary reports it to TypeScript through the
// sentinel, with fn's own error (if it threw one) as what the interrupt superseded.
napi_value Deliver(ThreadSlot* slot, Delivery delivery, napi_value thrown, bool capture) {
  napi_env env = slot->napi;
  if (slot->shared[kAsync] != 0) {
    // It returned a promise, but ends here with an interrupt: no async region after all.
    async::Forget(slot, delivery.token);
    slot->shared[kAsync] = 0;
  }
  if (capture) delivery.frames = CaptureStack(slot->isolate);
  slot->outcome = std::move(delivery);
  if (slot->suppressed_ref != nullptr) napi_delete_reference(env, slot->suppressed_ref);
  slot->suppressed_ref = nullptr;
  if (thrown != nullptr) napi_create_reference(env, thrown, 1, &slot->suppressed_ref);
  napi_value sentinel = nullptr;
  napi_get_reference_value(env, slot->sentinel_ref, &sentinel);
  return sentinel;
}

napi_value Rethrow(napi_env env, napi_status status, napi_value result, napi_value thrown) {
  if (status == napi_ok) return result;
  napi_throw(env, thrown);
  return nullptr;
}

// The slow path: a termination of ours is in flight, or something is due for this region
// on its way out (`late`).
napi_value Settle(ThreadSlot* slot, int64_t token, napi_status status, napi_value result,
                  const compat::Cped& cped, std::optional<Delivery> late) {
  napi_env env = slot->napi;
  v8::Isolate* isolate = slot->isolate;
  const bool mine = slot->fired && slot->fired->token == token;
  const bool terminating = isolate->IsExecutionTerminating();
  // A termination unwinding through us that is not this region's: an outer region's (its
  // boundary ends it) or a foreign one (Node's or vm's, never ours to touch, G7).
  if (terminating && !mine) return nullptr;

  napi_value thrown = nullptr;
  if (status != napi_ok) napi_get_and_clear_last_exception(env, &thrown);
  if (slot->fired && !mine) {
    // fn got out (returned, or threw its own error) before the termination meant for an
    // outer region took effect: hand it back, to land in that region.
    if (!termination::TakeBack(slot)) return nullptr;
    slot->missed = false;
    callback::Signal(slot);
  }
  if (mine) {
    // Ours, unwinding or not yet in effect: this region ends with it (G12), whatever fn
    // did meanwhile.
    std::optional<Delivery> delivery = termination::End(slot);
    if (!delivery) return nullptr;
    if (slot->missed) {
      slot->missed = false;
      callback::Signal(slot);
    }
    compat::SetCped(isolate, cped);
    return Deliver(slot, std::move(*delivery), terminating ? nullptr : thrown, false);
  }
  if (late) {
    if (termination::NodeStopping(env)) return nullptr;
    return Deliver(slot, std::move(*late), thrown, true);
  }
  return Rethrow(env, status, result, thrown);
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
  std::optional<Delivery> late = active.End(status == napi_ok && !slot->fired && async::IsThenable(env, result));
  if (!slot->fired && !late) return result;  // nothing of ours in flight, nothing due: the common path
  return Settle(slot, token, status, result, cped, std::move(late));
}

}  // namespace interruptible::boundary
