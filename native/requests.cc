#include "requests.h"

#include <utility>

#include "args.h"
#include "callback.h"
#include "clone.h"
#include "deadline.h"
#include "stack.h"

namespace interruptible::requests {

namespace {

napi_value Int32(napi_env env, int32_t i) {
  napi_value v = nullptr;
  napi_create_int32(env, i, &v);
  return v;
}

}  // namespace

napi_value Interrupt(napi_env env, napi_callback_info info) {
  Args args(env, info, 4);
  const uint32_t thread = args.Uint32(0);
  Request req;
  req.token = args.Int64(1);
  const double grace_ms = args.Double(3);
  if (!args.ok()) return nullptr;
  napi_valuetype type = napi_undefined;
  napi_typeof(env, args.Value(2), &type);
  if (type != napi_undefined) {
    req.has_reason = true;
    if (!clone::Serialize(env, args.Value(2), &req.reason)) return nullptr;  // DataCloneError pending
  }
  req.deliver_at = grace_ms > 0 ? AfterMs(grace_ms) : 0;

  int32_t answer = 0;
  {
    registry::Locked reg;
    ThreadSlot* target = reg.Find(thread);
    if (target == nullptr) {
      answer = reg.Issued(thread) ? 0 : -1;
    } else if (std::optional<int64_t> token = target->FindActive(req.token)) {
      req.token = *token;
      const int64_t deliver_at = req.deliver_at;
      {
        std::lock_guard<std::mutex> lock(target->mu);
        target->requests.push_back(std::move(req));
        target->PublishQueued();
      }
      if (deliver_at == 0)
        callback::Signal(target);
      else
        deadline::WakeAt(deliver_at, thread);
      answer = 1;
    }
  }
  return Int32(env, answer);
}

napi_value Snapshot(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  const uint32_t thread = args.Uint32(0);
  if (!args.ok()) return nullptr;
  uint32_t id = 0;
  {
    registry::Locked reg;
    if (ThreadSlot* target = reg.Find(thread)) {
      id = snapshots::Open();
      {
        std::lock_guard<std::mutex> lock(target->mu);
        target->snapshots.push_back(id);
      }
      callback::Signal(target);
    }
  }
  napi_value v = nullptr;
  napi_create_uint32(env, id, &v);
  return v;
}

napi_value TakeSnapshot(napi_env env, napi_callback_info info) {
  Args args(env, info, 2);
  const uint32_t id = args.Uint32(0);
  const bool abandon = args.Bool(1);
  if (!args.ok()) return nullptr;
  std::vector<Frame> frames;
  if (snapshots::Take(id, &frames)) return FramesToJs(env, frames);
  if (abandon) snapshots::Abandon(id);
  napi_value v = nullptr;
  napi_get_undefined(env, &v);
  return v;
}

}  // namespace interruptible::requests
