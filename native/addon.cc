// Module entry: registers the loading thread and exports the binding that src/native.ts
// types. Nothing here decides anything.
// node.h (via registry.h) first: it fixes NAPI_VERSION for napi.h.
#include "registry.h"

#include <napi.h>

#include "deadline.h"
#include "region.h"

namespace interruptible {

namespace {

void Export(Napi::Env env, Napi::Object exports, const char* name, napi_callback cb,
            Slot* slot) {
  napi_value fn = nullptr;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, slot, &fn);
  exports.Set(name, Napi::Value(env, fn));
}

// bareCall(fn): calls fn from native code and nothing else. The baseline the
// benchmarks hold a region's cost against (DESIGN: within 2x of a bare N-API call).
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

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Slot* slot = registry::Register(env);
  deadline::SetCheck(region::Check);

  // Shared Int32 fields (see SharedField); V8 owns the memory, the reference keeps it
  // alive until the cleanup hook, which also removes the slot from the registry.
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, kSharedFields * sizeof(int32_t));
  slot->shared = static_cast<int32_t*>(buffer.Data());
  napi_create_reference(env, buffer, 1, &slot->shared_ref);
  Napi::Object sentinel = Napi::Object::New(env);
  napi_create_reference(env, sentinel, 1, &slot->sentinel_ref);

  exports.Set("abi", Napi::Number::New(env, NODE_MODULE_VERSION));
  exports.Set("thread", Napi::Number::New(env, slot->id));
  exports.Set("nonce", Napi::Number::New(env, registry::ProcessNonce()));
  exports.Set("shared", Napi::Int32Array::New(env, kSharedFields, buffer, 0));
  exports.Set("interrupted", sentinel);
  Export(env, exports, "run", region::Run, slot);
  Export(env, exports, "interrupt", region::Interrupt, slot);
  Export(env, exports, "pending", region::Pending, slot);
  Export(env, exports, "hold", region::Hold, slot);
  Export(env, exports, "release", region::Release, slot);
  Export(env, exports, "outcome", region::Outcome, slot);
  Export(env, exports, "snapshot", region::Snapshot, slot);
  Export(env, exports, "takeSnapshot", region::TakeSnapshot, slot);
  Export(env, exports, "bareCall", BareCall, slot);
  return exports;
}

}  // namespace interruptible

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return interruptible::Init(env, exports);
}

NODE_API_MODULE(interruptible, InitAddon)
