// Module entry: registers the loading thread and exports the binding that src/native.ts
// types, with the shared layout and the delivery kinds (shared.h). Nothing here decides
// anything.
// node.h (via registry.h) first: it fixes NAPI_VERSION for napi.h.
#include "registry.h"

#include <napi.h>

#include "async.h"
#include "boundary.h"
#include "compat.h"
#include "pin.h"
#include "queries.h"
#include "requests.h"
#include "shield.h"
#include "watchdog.h"

namespace interruptible {

namespace {

void Export(Napi::Env env, Napi::Object exports, const char* name, napi_callback cb,
            ThreadSlot* slot) {
  napi_value fn = nullptr;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, slot, &fn);
  exports.Set(name, Napi::Value(env, fn));
}

// bareCall(fn): calls fn from native code and nothing else. The baseline the
// benchmarks hold a region's cost against.
napi_value BareCall(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value fn = nullptr;
  napi_value undefined = nullptr;
  napi_value result = nullptr;
  napi_get_cb_info(env, info, &argc, &fn, nullptr, nullptr);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, fn, 0, nullptr, &result);
  return result;
}

// rawCall(fn): the same through V8's own API, with no N-API in between: the floor of
// any native region boundary (ours is one), since a termination stops only at a native
// frame that called into JavaScript.
void RawCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsFunction()) return;
  v8::Local<v8::Value> result;
  if (info[0].As<v8::Function>()->Call(isolate->GetCurrentContext(), v8::Undefined(isolate), 0, nullptr).ToLocal(&result)) {
    info.GetReturnValue().Set(result);
  }
}

Napi::Value MakeRawCall(Napi::Env env, ThreadSlot* slot) {
  v8::Local<v8::Function> fn;
  if (!v8::Function::New(slot->isolate->GetCurrentContext(), RawCall).ToLocal(&fn)) return env.Undefined();
  return Napi::Value(env, compat::ToNapi(fn));
}

Napi::Object Layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("shieldDepth", static_cast<int32_t>(kShieldDepth));
  o.Set("held", static_cast<int32_t>(kHeld));
  o.Set("queued", static_cast<int32_t>(kQueued));
  o.Set("fired", static_cast<int32_t>(kFired));
  o.Set("depth", static_cast<int32_t>(kDepth));
  o.Set("async", static_cast<int32_t>(kAsync));
  o.Set("size", static_cast<int32_t>(kSharedFields));
  o.Set("entryToken", static_cast<int32_t>(kEntryToken));
  o.Set("entryTimeoutMs", static_cast<int32_t>(kEntryTimeoutMs));
  o.Set("entryAsyncId", static_cast<int32_t>(kEntryAsyncId));
  o.Set("entryLeftMs", static_cast<int32_t>(kEntryLeftMs));
  return o;
}

Napi::Object Kinds(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("request", static_cast<int32_t>(Kind::kRequest));
  o.Set("deadline", static_cast<int32_t>(Kind::kDeadline));
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pin::Library();
  ThreadSlot* slot = registry::Register(env);

  // The shared Int32 fields (shared.h); V8 owns the memory, the reference keeps it alive
  // until the cleanup hook, which also removes the slot from the registry.
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, kSharedFields * sizeof(int32_t));
  slot->shared = static_cast<int32_t*>(buffer.Data());
  napi_create_reference(env, buffer, 1, &slot->shared_ref);
  Napi::ArrayBuffer entry = Napi::ArrayBuffer::New(env, kEntryFields * sizeof(double));
  slot->entry = static_cast<double*>(entry.Data());
  napi_create_reference(env, entry, 1, &slot->entry_ref);
  Napi::Object sentinel = Napi::Object::New(env);
  napi_create_reference(env, sentinel, 1, &slot->sentinel_ref);
  // A JavaScript function (not a native one): calling it is a stack check (requests.cc).
  napi_value source = nullptr;
  napi_value noop = nullptr;
  napi_create_string_utf8(env, "(function () {})", NAPI_AUTO_LENGTH, &source);
  napi_run_script(env, source, &noop);
  napi_create_reference(env, noop, 1, &slot->noop_ref);

  exports.Set("abi", Napi::Number::New(env, NODE_MODULE_VERSION));
  exports.Set("thread", Napi::Number::New(env, slot->id));
  exports.Set("nonce", Napi::Number::New(env, registry::ProcessNonce()));
  exports.Set("shared", Napi::Int32Array::New(env, kSharedFields, buffer, 0));
  exports.Set("entry", Napi::Float64Array::New(env, kEntryFields, entry, 0));
  exports.Set("layout", Layout(env));
  exports.Set("kinds", Kinds(env));
  exports.Set("interrupted", sentinel);
  exports.Set("run", Napi::Value(env, boundary::MakeRun(env, slot)));
  Export(env, exports, "interrupt", requests::Interrupt, slot);
  Export(env, exports, "snapshot", requests::Snapshot, slot);
  Export(env, exports, "takeSnapshot", requests::TakeSnapshot, slot);
  Export(env, exports, "pending", queries::Pending, slot);
  Export(env, exports, "outcome", queries::Outcome, slot);
  Export(env, exports, "hold", shield::Hold, slot);
  Export(env, exports, "release", shield::Release, slot);
  Export(env, exports, "setAsyncListener", async::SetListener, slot);
  Export(env, exports, "asyncEnd", async::End, slot);
  Export(env, exports, "bareCall", BareCall, slot);
  exports.Set("rawCall", MakeRawCall(env, slot));
  Export(env, exports, "watch", watchdog::Watch, slot);
  Export(env, exports, "unwatch", watchdog::Unwatch, slot);
  Export(env, exports, "interruptAsRemote", requests::InterruptAsRemote, slot);  // test-only
  Export(env, exports, "interruptDuringSignal", requests::InterruptDuringSignal, slot);  // test-only
  return exports;
}

}  // namespace interruptible

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return interruptible::Init(env, exports);
}

NODE_API_MODULE(interruptible, InitAddon)
