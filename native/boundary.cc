#include "boundary.h"

#include <algorithm>
#include <utility>

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
    const int64_t deadline = timeout_ms > 0 ? AfterMs(timeout_ms) : kNever;
    const int64_t outer_earliest = slot->earliest.load(std::memory_order_relaxed);
    const auto d = static_cast<int32_t>(slot->regions.size());
    // Built in place: a frame built aside and copied in costs a store-forwarding stall.
    slot->regions.push_back({token, async_id, deadline, outer_earliest, slot->shared[kShieldDepth]});
    slot->tokens[d].store(token, std::memory_order_release);
    slot->depth.store(d + 1, std::memory_order_release);
    slot->shared[kDepth] = d + 1;
    if (deadline < outer_earliest) {
      slot->earliest.store(deadline);
      deadline::Earlier(deadline);
    }
  }

  // Ends the region for requesters, then claims what is due for it on its way out: an
  // accepted request (G12), else a passed deadline (G14). A request still in its grace
  // period is dropped with the region, as are requests left for regions that ended.
  std::optional<Delivery> End(bool async = false) {
    ended_ = true;
    // A region that returned a promise stays reachable before it stops being active, so
    // that no request falls between the two (async.h).
    if (async) {
      async::Begin(slot_, slot_->regions.back().token);
      const int64_t deadline = slot_->regions.back().deadline;
      if (deadline != kNever) slot_->entry[kEntryLeftMs] = std::max<double>(0, static_cast<double>(deadline - NowNs()) / 1e6);
    }
    slot_->shared[kAsync] = async ? 1 : 0;
    const RegionFrame& f = slot_->regions.back();
    const int64_t token = f.token;
    const int64_t deadline = f.deadline;
    // Raising it needs no fence: a timer that still sees the earlier value only signals a
    // thread that has nothing due (lowering it, at entry, pairs with deadline::Earlier).
    if (deadline < f.outer_earliest) slot_->earliest.store(f.outer_earliest, std::memory_order_release);
    slot_->regions.pop_back();
    const auto d = static_cast<int32_t>(slot_->regions.size());
    slot_->depth.store(d, std::memory_order_seq_cst);  // before the queue is read: see PublishQueued
    slot_->shared[kDepth] = d;
    const bool queued = slot_->AnyQueued();
    if (!queued && deadline == kNever) return std::nullopt;  // the common path builds nothing
    return Due(token, deadline, queued);
  }

  ~ActiveRegion() {
    if (!ended_) End();
  }

  ActiveRegion(const ActiveRegion&) = delete;
  ActiveRegion& operator=(const ActiveRegion&) = delete;

 private:
  std::optional<Delivery> Due(int64_t token, int64_t deadline, bool queued) {
    std::optional<Delivery> due;
    if (queued) due = ClaimRequest(token);
    if (!due && deadline != kNever && deadline <= NowNs()) {
      due.emplace();
      due->token = token;
      due->kind = Kind::kDeadline;
    }
    return due;
  }

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
v8::Local<v8::Value> Deliver(ThreadSlot* slot, Delivery delivery, v8::Local<v8::Value> thrown,
                             bool capture) {
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
  if (!thrown.IsEmpty()) napi_create_reference(env, compat::ToNapi(thrown), 1, &slot->suppressed_ref);
  napi_value sentinel = nullptr;
  napi_get_reference_value(env, slot->sentinel_ref, &sentinel);
  return compat::ToV8(sentinel);
}

// fn did not return: its own error goes on to our caller. A termination needs nothing: V8
// keeps unwinding it past this frame by itself (ReThrow would turn it into an exception
// that JavaScript could catch).
void Propagate(v8::TryCatch& tc) {
  if (!tc.HasTerminated()) tc.ReThrow();
}

// What fn did: returned `result`, or threw (caught by `tc`, which also sees terminations).
struct Exit {
  v8::TryCatch& tc;
  v8::Local<v8::Value> result;  // empty when fn did not return
};

// The slow path: a termination of ours is in flight, or something is due for this region
// on its way out (`late`). Sets the call's return value, or leaves `tc` to rethrow what
// must go on unwinding (fn's own error, a termination that is not this region's).
void Settle(ThreadSlot* slot, int64_t token, const v8::FunctionCallbackInfo<v8::Value>& info,
            Exit exit, const compat::Cped& cped, std::optional<Delivery> late) {
  v8::Isolate* isolate = slot->isolate;
  v8::TryCatch& tc = exit.tc;
  const bool mine = slot->fired && slot->fired->token == token;
  const bool terminating = isolate->IsExecutionTerminating();
  // A termination unwinding through us that is not this region's: an outer region's (its
  // boundary ends it) or a foreign one (Node's or vm's, never ours to touch, G7).
  if (terminating && !mine) return;

  v8::Local<v8::Value> thrown;
  if (tc.HasCaught() && !tc.HasTerminated()) thrown = tc.Exception();
  if (slot->fired && !mine) {
    // fn got out (returned, or threw its own error) before the termination meant for an
    // outer region took effect: hand it back, to land in that region.
    if (!termination::TakeBack(slot)) return;
    slot->missed = false;
    callback::Signal(slot);
  }
  if (mine) {
    // Ours, unwinding or not yet in effect: this region ends with it (G12), whatever fn
    // did meanwhile.
    std::optional<Delivery> delivery = termination::End(slot);
    if (!delivery) return;
    if (slot->missed) {
      slot->missed = false;
      callback::Signal(slot);
    }
    compat::SetCped(isolate, cped);
    tc.Reset();
    info.GetReturnValue().Set(Deliver(slot, std::move(*delivery), terminating ? v8::Local<v8::Value>() : thrown, false));
    return;
  }
  if (late) {
    if (termination::NodeStopping(slot->napi)) return;
    tc.Reset();
    info.GetReturnValue().Set(Deliver(slot, std::move(*late), thrown, true));
    return;
  }
  if (!exit.result.IsEmpty()) info.GetReturnValue().Set(exit.result);
  else Propagate(tc);
}

// Throws an error with a `code`, through V8: this is no N-API callback, and N-API's throwing
// calls only park the error in the env, for an N-API callback's wrapper to throw on return.
enum class ErrorType { kError, kRange };
void Throw(v8::Isolate* isolate, ErrorType type, const char* code, const char* message) {
  v8::Local<v8::String> text = v8::String::NewFromUtf8(isolate, message).ToLocalChecked();
  v8::Local<v8::Value> error =
      type == ErrorType::kRange ? v8::Exception::RangeError(text) : v8::Exception::Error(text);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  error.As<v8::Object>()
      ->Set(context, v8::String::NewFromUtf8Literal(isolate, "code"),
            v8::String::NewFromUtf8(isolate, code).ToLocalChecked())
      .FromMaybe(false);  // a fresh Error takes a property; nothing to do if it did not
  isolate->ThrowException(error);
}

void InternalError(v8::Isolate* isolate) {
  Throw(isolate, ErrorType::kError, "ERR_INTERRUPTIBLE_INTERNAL",
        "interruptible: the native binding was called with arguments it does not take "
        "(a bug in interruptible, please report it)");
}

// run(fn, scope), see boundary.h. A V8 function, not an N-API one: the region's entry and
// exit are the library's hot path, and N-API's callback and napi_call_function wrap each
// call in scopes and checks that this frame does itself.
void Run(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* slot = static_cast<ThreadSlot*>(compat::ExternalValue(info.Data()));
  const double token_d = slot->entry[kEntryToken];
  const double timeout_ms = slot->entry[kEntryTimeoutMs];
  const double async_id = slot->entry[kEntryAsyncId];
  // A whole number in [1, 2^53] (in range first, so that the cast is defined), and a
  // timeout that is a number of ms (NaN fails both comparisons).
  const bool token_ok = token_d >= 1 && token_d <= 9007199254740992.0 &&
                        static_cast<double>(static_cast<int64_t>(token_d)) == token_d;
  if (!token_ok || !(timeout_ms >= 0) || info.Length() < 2 || !info[0]->IsFunction()) {
    return InternalError(info.GetIsolate());
  }
  if (slot->regions.size() >= static_cast<size_t>(ThreadSlot::kMaxDepth)) {
    return Throw(info.GetIsolate(), ErrorType::kRange, "ERR_INTERRUPTIBLE_DEPTH",
                 "regions are nested too deeply");
  }
  const auto token = static_cast<int64_t>(token_d);
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Value> scope = info[1];

  const compat::Cped cped = compat::GetCped(isolate);
  ActiveRegion active(slot, token, async_id, timeout_ms);
  v8::TryCatch tc(isolate);
  v8::Local<v8::Value> result;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  bool returned = true;
  if (info.Length() > 2 && info[2]->IsFunction()) {
    v8::Local<v8::Value> ignored;
    returned = info[2].As<v8::Function>()->Call(context, v8::Undefined(isolate), 0, nullptr).ToLocal(&ignored);
  }
  if (returned) returned = info[0].As<v8::Function>()->Call(context, v8::Undefined(isolate), 1, &scope).ToLocal(&result);
  std::optional<Delivery> late = active.End(returned && !slot->fired && async::IsThenable(slot, result));
  if (!slot->fired && !late) {  // nothing of ours in flight, nothing due: the common path
    if (returned) info.GetReturnValue().Set(result);
    else Propagate(tc);
    return;
  }
  Settle(slot, token, info, Exit{tc, result}, cped, std::move(late));
}

}  // namespace

napi_value MakeRun(napi_env env, ThreadSlot* slot) {
  v8::Isolate* isolate = slot->isolate;
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Function> fn;
  if (!v8::Function::New(context, Run, compat::NewExternal(isolate, slot), 2, v8::ConstructorBehavior::kThrow)
           .ToLocal(&fn)) {
    return nullptr;
  }
  fn->SetName(v8::String::NewFromUtf8Literal(isolate, "run"));
  return compat::ToNapi(fn);
}

}  // namespace interruptible::boundary
