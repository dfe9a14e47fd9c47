#include "termination.h"

#include <utility>

namespace interruptible::termination {

bool NodeStopping(napi_env env) {
  napi_value undefined = nullptr;
  napi_value b = nullptr;
  napi_get_undefined(env, &undefined);
  return napi_coerce_to_bool(env, undefined, &b) != napi_ok;
}

std::optional<Delivery> End(ThreadSlot* slot) {
  if (NodeStopping(slot->napi)) return std::nullopt;
  // Clears a termination that has not taken effect yet, too (docs/BOUNDARY.md, step 3).
  slot->isolate->CancelTerminateExecution();
  if (NodeStopping(slot->napi)) {
    // Node began stopping between the probe and the cancel: give its termination back.
    slot->isolate->TerminateExecution();
    return std::nullopt;
  }
  std::optional<Delivery> ended = std::move(slot->fired);
  slot->fired.reset();
  slot->shared[kFired] = 0;
  return ended;
}

bool TakeBack(ThreadSlot* slot) {
  std::optional<Delivery> d = End(slot);
  if (!d) return false;
  if (d->kind == Kind::kRequest) {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->requests.push_back(Request{d->token, 0, d->has_reason, std::move(d->reason), std::move(d->state)});
    slot->PublishQueued();
  }
  return true;
}

}  // namespace interruptible::termination
