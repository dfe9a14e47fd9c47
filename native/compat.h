// The one place where V8 calls differ between the Node lines we support.
// Node 20 = V8 11.3, Node 22 = V8 12.4, Node 24 = V8 13.6, Node 26 = V8 14.x.
#pragma once

#include <node_api.h>
#include <v8.h>

#include <cstring>

namespace interruptible::compat {

// Continuation-preserved embedder data (CPED) is where AsyncLocalStorage keeps its
// frame when Node runs on AsyncContextFrame (24+, or 22 with a flag). A terminated
// `als.run()` skips its restore, so the boundary puts back the value it saw at entry.
// V8 11 has no CPED: the snapshot is empty and restoring is a no-op.
#if V8_MAJOR_VERSION >= 14
using Cped = v8::Local<v8::Data>;
inline Cped GetCped(v8::Isolate* isolate) {
  return isolate->GetContinuationPreservedEmbedderDataV2();
}
inline void SetCped(v8::Isolate* isolate, Cped value) {
  isolate->SetContinuationPreservedEmbedderDataV2(value);
}
#elif V8_MAJOR_VERSION >= 12
using Cped = v8::Local<v8::Value>;
inline Cped GetCped(v8::Isolate* isolate) {
  return isolate->GetContinuationPreservedEmbedderData();
}
inline void SetCped(v8::Isolate* isolate, Cped value) {
  isolate->SetContinuationPreservedEmbedderData(value);
}
#else
struct Cped {};
inline Cped GetCped(v8::Isolate*) { return {}; }
inline void SetCped(v8::Isolate*, Cped) {}
#endif

// A C++ pointer a V8 function carries as its data (the boundary's `run` carries its
// thread's slot). V8 14 asks for a type tag and deprecates the untagged calls.
#if V8_MAJOR_VERSION >= 14
inline v8::Local<v8::External> NewExternal(v8::Isolate* isolate, void* value) {
  return v8::External::New(isolate, value, v8::kExternalPointerTypeTagDefault);
}
inline void* ExternalValue(v8::Local<v8::Value> data) {
  return data.As<v8::External>()->Value(v8::kExternalPointerTypeTagDefault);
}
#else
inline v8::Local<v8::External> NewExternal(v8::Isolate* isolate, void* value) {
  return v8::External::New(isolate, value);
}
inline void* ExternalValue(v8::Local<v8::Value> data) { return data.As<v8::External>()->Value(); }
#endif

// N-API has no bridge to V8 handles. A napi_value *is* a v8::Local<v8::Value> in every
// Node release (js_native_api_v8.h converts with the same reinterpret_cast); we rely on
// that only for what N-API lacks: structured cloning of reasons (clone.cc), and the
// region boundary's own V8 function (boundary.cc), the library's hot path.
inline v8::Local<v8::Value> ToV8(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value));
  memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}
inline napi_value ToNapi(v8::Local<v8::Value> local) {
  return reinterpret_cast<napi_value>(*local);
}

}  // namespace interruptible::compat
