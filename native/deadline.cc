#include "deadline.h"

#include "callback.h"
#include "leaked.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace interruptible::deadline {

namespace {

struct Wake {
  int64_t when;
  uint32_t id;
  bool operator>(const Wake& o) const { return when > o.when; }
};

// Made on first use, never destroyed: the thread runs until the process exits (leaked.h).
struct Timer {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Wake> heap;  // min-heap on `when`
  uint64_t generation = 0; // bumped by every wake-up request
  // When the thread will next look; kNever while it scans, so that anything armed
  // during a scan wakes it again rather than being missed.
  std::atomic<int64_t> sleep_until{kNever};
  std::atomic<bool> started{false};
};

Leaked<Timer> timer;

Timer& T() { return *timer; }

void Notify() {
  Timer& t = T();
  {
    std::lock_guard<std::mutex> lock(t.mu);
    ++t.generation;
  }
  t.cv.notify_one();
}

void Loop() {
  Timer& t = T();
  std::vector<uint32_t> due;
  for (;;) {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(t.mu);
      generation = t.generation;
      t.sleep_until.store(kNever);
      const int64_t now = NowNs();
      due.clear();
      while (!t.heap.empty() && t.heap.front().when <= now) {
        due.push_back(t.heap.front().id);
        std::pop_heap(t.heap.begin(), t.heap.end(), std::greater<Wake>());
        t.heap.pop_back();
      }
    }
    const int64_t now = NowNs();
    int64_t next = kNever;
    {
      registry::Locked reg;
      reg.ForEach([&](ThreadSlot* slot) {
        const int64_t e = slot->earliest.load();
        if (e > now) {
          next = std::min(next, e);
        } else if (slot->reported_deadline != e) {
          // Report each expired deadline once: if its thread is stuck in native code it
          // will act when it returns to JavaScript, and re-reporting would only spin.
          slot->reported_deadline = e;
          callback::Signal(slot);
        }
      });
      for (uint32_t id : due)
        if (ThreadSlot* slot = reg.Find(id)) callback::Signal(slot);
    }
    std::unique_lock<std::mutex> lock(t.mu);
    if (!t.heap.empty()) next = std::min(next, t.heap.front().when);
    if (t.generation != generation) continue;
    t.sleep_until.store(next);
    auto pred = [&] { return t.generation != generation; };
    if (next == kNever) {
      t.cv.wait(lock, pred);
    } else {
      t.cv.wait_until(lock,
                      std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)),
                      pred);
    }
  }
}

void EnsureStarted() {
  if (!T().started.load(std::memory_order_acquire) && !T().started.exchange(true))
    std::thread(Loop).detach();
}

}  // namespace

void Earlier(int64_t when) {
  if (when < T().sleep_until.load()) {
    EnsureStarted();
    Notify();
  }
}

void WakeAt(int64_t when, uint32_t id) {
  EnsureStarted();
  Timer& t = T();
  {
    std::lock_guard<std::mutex> lock(t.mu);
    t.heap.push_back(Wake{when, id});
    std::push_heap(t.heap.begin(), t.heap.end(), std::greater<Wake>());
    if (when >= t.sleep_until.load()) return;
    ++t.generation;
  }
  t.cv.notify_one();
}

}  // namespace interruptible::deadline

