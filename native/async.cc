#include "async.h"

#include <algorithm>
#include <utility>

#include "args.h"
#include "clone.h"

namespace interruptible::async {

namespace {

void CallListener(napi_env env, napi_value js_cb, void* context, void* data) {
  if (env == nullptr || js_cb == nullptr) return;  // torn down
  napi_value undefined = nullptr;
  napi_value token = nullptr;
  napi_value ignored = nullptr;
  napi_get_undefined(env, &undefined);
  napi_create_int64(env, static_cast<int64_t>(reinterpret_cast<intptr_t>(data)), &token);
  napi_call_function(env, undefined, js_cb, 1, &token, &ignored);
}

// On the owner thread, when Node tears the thread-safe function down with the env.
void Finalize(napi_env env, void* data, void* hint) {
  const auto id = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  registry::Locked reg;
  if (ThreadSlot* slot = reg.Find(id)) slot->async_listener = nullptr;
}

napi_value Null(napi_env env) {
  napi_value v = nullptr;
  napi_get_null(env, &v);
  return v;
}

}  // namespace

napi_value SetListener(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  ThreadSlot* slot = args.slot();
  if (!args.ok()) return nullptr;
  napi_value name = nullptr;
  napi_create_string_utf8(env, "interruptible.async", NAPI_AUTO_LENGTH, &name);
  napi_threadsafe_function tsfn = nullptr;
  if (napi_create_threadsafe_function(env, args.Value(0), nullptr, name, 0, 1,
                                      reinterpret_cast<void*>(static_cast<uintptr_t>(slot->id)), Finalize,
                                      nullptr, CallListener, &tsfn) != napi_ok)
    return nullptr;
  // An async region does not keep the thread alive by itself: what it awaits does.
  napi_unref_threadsafe_function(env, tsfn);
  registry::Locked reg;
  slot->async_listener = tsfn;
  return nullptr;
}

void Begin(ThreadSlot* slot, int64_t token) {
  std::lock_guard<std::mutex> lock(slot->mu);
  slot->async_tokens.push_back(token);
}

void Forget(ThreadSlot* slot, int64_t token) {
  std::lock_guard<std::mutex> lock(slot->mu);
  auto& tokens = slot->async_tokens;
  tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
}

bool IsThenable(ThreadSlot* slot, v8::Local<v8::Value> value) {
  if (!value->IsObject()) return false;  // functions are objects too
  v8::Isolate* isolate = slot->isolate;
  // The key made once per thread: made per call (an internalised-string lookup) it was a
  // good part of the cost of every region that returns an object.
  if (slot->then_key.IsEmpty()) {
    slot->then_key.Set(isolate, v8::String::NewFromUtf8Literal(isolate, "then", v8::NewStringType::kInternalized));
  }
  // Its own TryCatch: a `then` getter that throws is not the region's outcome.
  v8::TryCatch tc(isolate);
  v8::Local<v8::Value> then;
  if (!value.As<v8::Object>()->Get(isolate->GetCurrentContext(), slot->then_key.Get(isolate)).ToLocal(&then)) {
    return false;
  }
  return then->IsFunction();
}

napi_value End(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  ThreadSlot* slot = args.slot();
  const int64_t token = args.Int64(0);
  if (!args.ok()) return nullptr;
  std::optional<Request> claimed;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    auto& tokens = slot->async_tokens;
    tokens.erase(std::remove(tokens.begin(), tokens.end(), token), tokens.end());
    auto& q = slot->async_requests;
    auto it = std::find_if(q.begin(), q.end(), [&](const Request& r) { return r.token == token; });
    if (it != q.end()) claimed = std::move(*it);
    q.erase(std::remove_if(q.begin(), q.end(), [&](const Request& r) { return r.token == token; }), q.end());
  }
  if (!claimed) return Null(env);
  napi_value o = nullptr;
  napi_value v = nullptr;
  napi_create_object(env, &o);
  napi_create_int32(env, static_cast<int32_t>(Kind::kRequest), &v);
  napi_set_named_property(env, o, "kind", v);
  napi_create_int64(env, token, &v);
  napi_set_named_property(env, o, "token", v);
  if (claimed->has_reason) {
    v = clone::Deserialize(env, claimed->reason);
    if (v == nullptr) return nullptr;
  } else {
    napi_get_undefined(env, &v);
  }
  napi_set_named_property(env, o, "reason", v);
  return o;
}

bool Queue(ThreadSlot* target, Request& req) {
  const int64_t token = req.token;
  if (token == 0) return false;  // a thread handle names a running region only
  {
    std::lock_guard<std::mutex> lock(target->mu);
    auto& tokens = target->async_tokens;
    if (std::find(tokens.begin(), tokens.end(), token) == tokens.end()) return false;
    auto& q = target->async_requests;
    // The region ends with the first accepted request: later ones are covered by it.
    if (std::any_of(q.begin(), q.end(), [&](const Request& r) { return r.token == token; })) return true;
    q.push_back(std::move(req));
  }
  if (target->async_listener != nullptr)
    napi_call_threadsafe_function(target->async_listener, reinterpret_cast<void*>(static_cast<intptr_t>(token)),
                                  napi_tsfn_nonblocking);
  return true;
}

}  // namespace interruptible::async
