#include "clone.h"

#include <cstdlib>

#include "compat.h"

namespace interruptible::clone {

bool Serialize(napi_env env, napi_value value, std::vector<uint8_t>* out) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::ValueSerializer serializer(isolate);
  serializer.WriteHeader();
  // On failure the default delegate has thrown a DataCloneError into the isolate.
  if (serializer.WriteValue(context, compat::ToV8(value)).IsNothing()) return false;
  std::pair<uint8_t*, size_t> bytes = serializer.Release();
  out->assign(bytes.first, bytes.first + bytes.second);
  std::free(bytes.first);  // the default delegate allocates with realloc
  return true;
}

napi_value Deserialize(napi_env env, const std::vector<uint8_t>& bytes) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::ValueDeserializer deserializer(isolate, bytes.data(), bytes.size());
  v8::Local<v8::Value> value;
  if (deserializer.ReadHeader(context).IsNothing() || !deserializer.ReadValue(context).ToLocal(&value))
    return nullptr;
  return compat::ToNapi(value);
}

}  // namespace interruptible::clone
