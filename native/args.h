// Reading a binding call's arguments. TypeScript validates every public input
// (src/validate.ts) and calls the binding with exactly the types it documents
// (src/native.ts); a mismatch here is a bug of ours, so it becomes an internal error
// (ERR_INTERRUPTIBLE_INTERNAL) rather than a guess — "validate in JS, assert in C++".
#pragma once

#include <node_api.h>

#include <cstdint>

#include "registry.h"

namespace interruptible {

class Args {
 public:
  static constexpr size_t kMax = 6;

  Args(napi_env env, napi_callback_info info, size_t expected) : env_(env) {
    size_t argc = kMax;
    void* data = nullptr;
    Check(napi_get_cb_info(env, info, &argc, argv_, nullptr, &data) == napi_ok && argc >= expected);
    slot_ = static_cast<ThreadSlot*>(data);
  }

  ThreadSlot* slot() const { return slot_; }
  // False once an argument did not fit: the internal error is then pending.
  bool ok() const { return ok_; }

  napi_value Value(size_t i) const { return argv_[i]; }

  int64_t Int64(size_t i) {
    int64_t v = 0;
    Check(napi_get_value_int64(env_, argv_[i], &v) == napi_ok);
    return v;
  }

  double Double(size_t i) {
    double v = 0;
    Check(napi_get_value_double(env_, argv_[i], &v) == napi_ok);
    return v;
  }

  // A whole number in [0, 2^32): read as a double first, so that 2^32 + 1 is refused
  // instead of wrapping around to 1.
  uint32_t Uint32(size_t i) {
    const double d = Double(i);
    // In range first, so that the cast is defined; a whole number survives it unchanged.
    Check(d >= 0 && d <= 4294967295.0 && static_cast<double>(static_cast<uint32_t>(d)) == d);
    return ok_ ? static_cast<uint32_t>(d) : 0;
  }

  bool Bool(size_t i) {
    bool v = false;
    Check(napi_get_value_bool(env_, argv_[i], &v) == napi_ok);
    return v;
  }

 private:
  void Check(bool good) {
    if (good || !ok_) return;
    ok_ = false;
    napi_throw_error(env_, "ERR_INTERRUPTIBLE_INTERNAL",
                     "interruptible: the native binding was called with arguments it does not take "
                     "(a bug in interruptible, please report it)");
  }

  napi_env env_;
  napi_value argv_[kMax] = {};
  ThreadSlot* slot_ = nullptr;
  bool ok_ = true;
};

}  // namespace interruptible
