#include "requests.h"

#include <utility>

#include "args.h"
#include "async.h"
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

namespace {

// A request already queued makes `req` redundant when it is committed, aims at the same
// region and lands no later: the region ends with the first accepted interrupt (G12). So
// a queue holds at most one due and one held-back request per active region, however
// many requests a misbehaving thread sends. Under mu.
bool Redundant(const ThreadSlot* target, const Request& req) {
  for (const Request& q : target->requests)
    if (q.token == req.token && q.deliver_at <= req.deliver_at && q.state->load() == kCommitted) return true;
  return false;
}

// Queues `req` for region `token` of `target` if that region is active, and settles
// whether the request is accepted (docs/BOUNDARY.md, "Accepted means delivered"): the
// request is published first, then the region checked again; the region's boundary
// lowers its depth first, then checks the queue, so one side always sees the other.
// Caller holds the registry lock. Returns whether the request will be delivered.
bool Queue(ThreadSlot* target, Request req) {
  std::optional<int64_t> token = target->FindActive(req.token);
  if (!token) return async::Queue(target, req);
  req.token = *token;
  const int64_t deliver_at = req.deliver_at;
  SharedState state = req.state = std::make_shared<std::atomic<int>>(kPublished);
  {
    std::lock_guard<std::mutex> lock(target->mu);
    if (Redundant(target, req)) return true;
    target->requests.push_back(std::move(req));
    target->PublishQueued();
  }
  const bool still = target->FindActive(*token).has_value();
  if (ResolveRequest(state, still ? kCommitted : kWithdrawn) != kCommitted) return false;
  if (deliver_at == 0)
    callback::Signal(target);
  else
    deadline::WakeAt(deliver_at, target->id);
  return true;
}

}  // namespace

namespace {

enum class Mode {
  kInterrupt,
  kAsRemote,      // published and signalled as from another thread, without the
                  // synchronous decision of a self-interrupt
  kDuringSignal,  // parked, for the next callback to file (FileParked)
};

napi_value File(napi_env env, napi_callback_info info, Mode mode) {
  Args args(env, info, 4);
  ThreadSlot* self = args.slot();
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
  if (mode == Mode::kDuringSignal) {
    self->parked.push_back(ParkedRequest{thread, std::move(req)});
    return Int32(env, 1);
  }

  int32_t answer = 0;
  {
    registry::Locked reg;
    ThreadSlot* target = reg.Find(thread);
    if (target == nullptr)
      answer = reg.Issued(thread) ? 0 : -1;
    else
      answer = Queue(target, std::move(req)) ? 1 : 0;
  }
  if (answer == 1 && thread == self->id && grace_ms <= 0 && mode == Mode::kInterrupt) {
    // A self-interrupt is synchronous (G13): decide now, on this thread.
    if (callback::DecideNow(self)) return nullptr;
  }
  return Int32(env, answer);
}

}  // namespace

napi_value Interrupt(napi_env env, napi_callback_info info) { return File(env, info, Mode::kInterrupt); }

napi_value InterruptAsRemote(napi_env env, napi_callback_info info) { return File(env, info, Mode::kAsRemote); }

napi_value InterruptDuringSignal(napi_env env, napi_callback_info info) {
  return File(env, info, Mode::kDuringSignal);
}

void FileParked(ThreadSlot* slot) {
  std::vector<ParkedRequest> parked;
  parked.swap(slot->parked);
  registry::Locked reg;
  for (ParkedRequest& p : parked)
    if (ThreadSlot* target = reg.Find(p.thread)) Queue(target, std::move(p.request));
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
