#include "watchdog.h"

#include "watchdog_internal.h"

#include <uv.h>

#ifdef __linux__
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "args.h"
#include "callback.h"
#include "clock.h"
#include "stack.h"

namespace interruptible::watchdog {

namespace detail {

Leaked<State> state;

void Wake() {
  {
    std::lock_guard<std::mutex> lock(state->mu);
    ++state->generation;
  }
  state->cv.notify_one();
}

}  // namespace detail

namespace {

using namespace detail;

// ---- the watchdog thread ----------------------------------------------------------

int64_t Tick(const registry::Locked& reg, int64_t now, std::vector<uint32_t>* to_sync) {
  int64_t next = kNever;
  auto& asked = state->sync_asked;
  asked.erase(std::remove_if(asked.begin(), asked.end(), [&](uint32_t id) { return reg.Find(id) == nullptr; }),
              asked.end());
  reg.ForEach([&](ThreadSlot* slot) {
    const bool have = slot->heartbeat != nullptr && slot->heartbeat->active.load();
    if (have != Wanted(slot->id) && std::find(asked.begin(), asked.end(), slot->id) == asked.end()) {
      asked.push_back(slot->id);
      to_sync->push_back(slot->id);
    }
  });
  for (auto& wp : state->watches) {
    Watcher& w = *wp;
    auto look = [&](ThreadSlot* slot) {
      Heartbeat* hb = slot->heartbeat;
      if (hb == nullptr || !hb->active.load()) return;
      next = std::min(next, Step(w, slot, *hb, w.stalls[slot->id], now));
    };
    if (w.all) {
      reg.ForEach(look);
    } else if (ThreadSlot* slot = reg.Find(w.owner)) {
      look(slot);
    }
    for (auto it = w.stalls.begin(); it != w.stalls.end();) {
      if (reg.Find(it->first) != nullptr) {
        ++it;
        continue;
      }
      // The thread is gone (a worker terminated while it was blocked): close its report.
      if (it->second.stalled) End(w, it->first, it->second, now);
      Forget(it->second);
      it = w.stalls.erase(it);
    }
  }
  // A heartbeat no watch is sampling need not wake us.
  reg.ForEach([&](ThreadSlot* slot) {
    if (slot->heartbeat == nullptr) return;
    bool any = false;
    for (auto& w : state->watches) {
      auto it = w->stalls.find(slot->id);
      any = any || (it != w->stalls.end() && it->second.stalled);
    }
    slot->heartbeat->watched.store(any);
  });
  return next;
}

void Loop() {
  State& s = *state;
  std::vector<uint32_t> to_sync;
  for (;;) {
    uint64_t generation;
    int64_t next;
    {
      registry::Locked reg;
      std::lock_guard<std::mutex> lock(s.mu);
      generation = s.generation;
      to_sync.clear();
      next = Tick(reg, NowNs(), &to_sync);
      // Handles belong to their loop's thread: ask it to start or stop its own.
      for (uint32_t id : to_sync)
        if (ThreadSlot* slot = reg.Find(id))
          node::RequestInterrupt(slot->env, SyncOnThread, reinterpret_cast<void*>(static_cast<uintptr_t>(id)));
    }
    std::unique_lock<std::mutex> lock(s.mu);
    if (s.generation != generation) continue;
    auto pred = [&] { return s.generation != generation; };
    if (next == kNever) {
      s.cv.wait(lock, pred);
    } else {
      s.cv.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)), pred);
    }
  }
}

void EnsureStarted() {
  if (!state->started.load(std::memory_order_acquire) && !state->started.exchange(true)) std::thread(Loop).detach();
}

// Takes watch `id` of thread `owner` out of the table and stops what only it needed.
std::unique_ptr<Watcher> TakeWatch(uint32_t id, ThreadSlot* owner) {
  std::unique_ptr<Watcher> taken;
  {
    registry::Locked reg;
    std::lock_guard<std::mutex> lock(state->mu);
    auto& ws = state->watches;
    for (auto it = ws.begin(); it != ws.end(); ++it) {
      if ((*it)->id == id && (*it)->owner == owner->id) {
        taken = std::move(*it);
        ws.erase(it);
        break;
      }
    }
    if (!taken) return nullptr;
    for (auto& [thread, st] : taken->stalls) Forget(st);
    SyncLocked(owner);
    ++state->generation;
  }
  state->cv.notify_one();
  return taken;
}

// The watching thread's env is torn down: end its watch (before Node's own cleanup of the
// threadsafe function, which was registered earlier and so runs later).
void DropWatch(void* arg) {
  const auto* a = static_cast<const CleanupArg*>(arg);  // owned by the watch
  if (std::unique_ptr<Watcher> w = TakeWatch(a->id, a->owner)) napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
}

}  // namespace

napi_value Watch(napi_env env, napi_callback_info info) {
  Args args(env, info, 6);
  ThreadSlot* self = args.slot();
  const bool all = args.Bool(0);
  const double threshold_ms = args.Double(1);
  const double every_ms = args.Double(2);
  const double answer_ms = args.Double(3);
  const bool log = args.Bool(4);
  if (!args.ok()) return nullptr;
  auto w = std::make_unique<Watcher>();
  w->owner = self->id;
  w->all = all;
  w->log = log;
  w->threshold = static_cast<int64_t>(threshold_ms * 1e6);
  w->every = static_cast<int64_t>(every_ms * 1e6);
  w->answer = static_cast<int64_t>(answer_ms * 1e6);
  napi_value name = nullptr;
  napi_create_string_utf8(env, "interruptible.watchStalls", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, args.Value(5), nullptr, name, 0, 1, nullptr, nullptr, nullptr, CallJs,
                                      &w->tsfn) != napi_ok) {
    napi_throw_error(env, "ERR_INTERRUPTIBLE_INTERNAL", "interruptible: could not create the watchdog's callback");
    return nullptr;
  }
  napi_unref_threadsafe_function(env, w->tsfn);  // a watch never keeps a process alive
  uint32_t id;
  CleanupArg* arg;
  {
    registry::Locked reg;
    std::lock_guard<std::mutex> lock(state->mu);
    id = w->id = ++state->last_id;
    w->cleanup = std::make_unique<CleanupArg>(CleanupArg{id, self});
    arg = w->cleanup.get();
    state->watches.push_back(std::move(w));
    SyncLocked(self);
    ++state->generation;
  }
  // After the threadsafe function's own hook, so that it runs before it.
  napi_add_env_cleanup_hook(env, DropWatch, arg);
  EnsureStarted();
  state->cv.notify_one();
  napi_value v = nullptr;
  napi_create_uint32(env, id, &v);
  return v;
}

napi_value Unwatch(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  ThreadSlot* self = args.slot();
  const uint32_t id = args.Uint32(0);
  if (!args.ok()) return nullptr;
  if (std::unique_ptr<Watcher> w = TakeWatch(id, self)) {
    napi_remove_env_cleanup_hook(env, DropWatch, w->cleanup.get());
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
  }
  napi_value v = nullptr;
  napi_get_undefined(env, &v);
  return v;
}

}  // namespace interruptible::watchdog
