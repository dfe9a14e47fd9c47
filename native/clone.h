// Reasons across threads: structured clone (V8's ValueSerializer) into bytes that the
// target thread turns back into a value. Done natively so that a request leaves no
// garbage behind on the requester (v8.serialize allocates an external buffer per call).
#pragma once

#include <node_api.h>

#include <cstdint>
#include <vector>

namespace interruptible::clone {

// Serializes `value` into `out`. False when it cannot be cloned: then a DataCloneError
// is pending in JS.
bool Serialize(napi_env env, napi_value value, std::vector<uint8_t>* out);

// The value back, in the calling thread; nullptr (with an exception pending) on failure.
napi_value Deserialize(napi_env env, const std::vector<uint8_t>& bytes);

}  // namespace interruptible::clone
