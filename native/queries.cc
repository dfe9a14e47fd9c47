#include "queries.h"

#include "args.h"
#include "clone.h"
#include "stack.h"

namespace interruptible::queries {

namespace {

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

// { kind, token, reason } (+ frames): the record both queries answer with.
napi_value Record(napi_env env, const Delivery& d, bool with_frames) {
  napi_value o = nullptr;
  napi_create_object(env, &o);
  napi_set_named_property(env, o, "kind", Int64(env, static_cast<int64_t>(d.kind)));
  napi_set_named_property(env, o, "token", Int64(env, d.token));
  napi_set_named_property(env, o, "reason", ReasonToJs(env, d));
  if (with_frames) napi_set_named_property(env, o, "frames", FramesToJs(env, d.frames));
  return o;
}

}  // namespace

napi_value Pending(napi_env env, napi_callback_info info) {
  Args args(env, info, 2);
  ThreadSlot* slot = args.slot();
  const int64_t token = args.Int64(0);
  const bool deliverable = args.Bool(1);
  if (!args.ok()) return nullptr;
  napi_value none = nullptr;
  napi_get_null(env, &none);

  const std::vector<RegionFrame>& regions = slot->regions;
  const std::optional<size_t> mine = slot->IndexOf(token);
  if (!mine) return none;
  const int32_t shields = slot->shared[kShieldDepth];
  auto held = [&](size_t i) { return deliverable && shields > regions[i].shield_depth; };
  const int64_t now = NowNs();
  // The outermost region that something aims at wins: it unwinds the others.
  std::optional<size_t> best;
  Delivery found;
  for (size_t i = 0; i <= *mine && !best; ++i) {
    if (regions[i].deadline <= now && !held(i)) {
      best = i;
      found.token = regions[i].token;
      found.kind = Kind::kDeadline;
    }
  }
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    for (const Request& r : slot->requests) {
      const std::optional<size_t> i = slot->IndexOf(r.token);
      if (!i || *i > *mine || held(*i) || (best && *i >= *best)) continue;
      best = i;
      found.token = r.token;
      found.kind = Kind::kRequest;
      found.has_reason = r.has_reason;
      found.reason = r.reason;
    }
  }
  return best ? Record(env, found, false) : none;
}

napi_value Outcome(napi_env env, napi_callback_info info) {
  Args args(env, info, 0);
  ThreadSlot* slot = args.slot();
  if (!slot->outcome) {
    napi_value none = nullptr;
    napi_get_null(env, &none);
    return none;
  }
  Delivery d = std::move(*slot->outcome);
  slot->outcome.reset();
  napi_value o = Record(env, d, true);
  if (slot->suppressed_ref != nullptr) {
    napi_value suppressed = nullptr;
    napi_get_reference_value(env, slot->suppressed_ref, &suppressed);
    napi_set_named_property(env, o, "suppressed", suppressed);
    napi_delete_reference(env, slot->suppressed_ref);
    slot->suppressed_ref = nullptr;
  }
  return o;
}

}  // namespace interruptible::queries
