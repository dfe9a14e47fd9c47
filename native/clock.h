// One clock for deadlines, grace periods and retries: monotonic nanoseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace interruptible {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Milliseconds from now as an absolute time, saturating instead of overflowing.
inline int64_t AfterMs(double ms) {
  if (!(ms > 0)) return NowNs();
  if (ms >= 9.0e12) return kNever;
  return NowNs() + static_cast<int64_t>(ms * 1e6);
}

}  // namespace interruptible
