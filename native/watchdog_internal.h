// The stall watchdog's parts (watchdog.h is its binding): what the watchdog thread, the
// watched threads' heartbeats (heartbeat.cc) and the reports (stall_report.cc) share.
// Internal to those three files.
#pragma once

#include <uv.h>

#ifdef __linux__
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "leaked.h"
#include "registry.h"
#include "stack.h"

namespace interruptible::watchdog {

// One per thread whose loop a watch covers. The owner thread makes, starts, stops and
// frees it (ThreadSlot::heartbeat, under the registry lock); its loop writes the atomics,
// the watchdog thread reads them under the registry lock.
struct Heartbeat {
  uv_prepare_t prepare;
  uint32_t id = 0;
  std::atomic<uint64_t> turns{0};    // turns of the loop: a change means it moved
  std::atomic<int64_t> seen{0};      // the loop's time at the last one (ms resolution)
  std::atomic<bool> watched{false};  // a stall is being sampled: the next turn wakes the watchdog
  std::atomic<bool> active{false};   // the handles run
  napi_async_cleanup_hook_handle hook = nullptr;
#ifdef __linux__
  // To tell "did not answer" from "was not given the CPU" on a loaded machine.
  clockid_t cpu_clock = 0;
  bool has_cpu_clock = false;
  pid_t tid = 0;
#endif
};

namespace detail {


// A stall keeps at most this many samples (the first ones); it is still timed after that.
constexpr size_t kMaxSamples = 64;
// How often an unanswered stack request is looked at again, before it counts as native.
constexpr int64_t kPollNs = 1'000'000;
// CPU time a thread may use after a stack request without answering before it counts as
// native; and how many answer windows a runnable thread that got no CPU is waited for.
constexpr int64_t kRanNs = 2'000'000;
constexpr int64_t kStarvedWindows = 10;

struct Sample {
  int64_t at = 0;
  bool native = false;
  bool resolved = false;  // its state is known (its frames may still come, for a native one)
  std::vector<Frame> frames;
};

// What one watch knows about one thread's loop.
struct Stall {
  uint64_t turns = 0;      // the heartbeat's count when it last looked
  int64_t seen = 0;        // and its time
  int64_t idle_at = 0;     // the thread last answered with no JavaScript on its stack
  bool probing = false;    // asked for frames to tell idle from stalled
  bool stalled = false;
  int64_t start = 0;       // since when (the last turn, or the last idle answer)
  uint32_t snap = 0;       // outstanding stack request (0: none)
  int64_t snap_at = 0;
  int64_t snap_cpu = -1;   // the thread's CPU time then (-1: unknown)
  size_t snap_sample = 0;  // the sample it fills
  int64_t next_sample = 0;
  std::vector<Sample> samples;
};

// What the watching thread's env cleanup hook needs to end a watch.
struct CleanupArg {
  uint32_t id;
  ThreadSlot* owner;
};

struct Watcher {
  uint32_t id = 0;
  uint32_t owner = 0;  // the watching thread
  bool all = false;
  bool log = false;
  int64_t threshold = 0;
  int64_t every = 0;
  int64_t answer = 0;
  napi_threadsafe_function tsfn = nullptr;
  std::unique_ptr<CleanupArg> cleanup;  // the env cleanup hook's argument
  std::map<uint32_t, Stall> stalls;     // by watched thread
};

struct Report {
  uint32_t thread = 0;
  double blocked_ms = 0;
  bool ongoing = false;
  int64_t start = 0;
  std::vector<Sample> samples;
};

// Made at load, leaked on purpose: the thread runs until the process exits. Lock order:
// the registry lock, then `mu`; the loops' heartbeat callbacks take `mu` alone.
struct State {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t generation = 0;  // bumped by every wake-up
  uint32_t last_id = 0;
  std::vector<std::unique_ptr<Watcher>> watches;
  std::vector<uint32_t> sync_asked;  // threads asked to start or stop their heartbeat
  std::atomic<bool> started{false};
};

extern Leaked<State> state;

// Wakes the watchdog thread.
void Wake();

// heartbeat.cc: on the slot's thread, under the registry lock and mu: start or stop its
// heartbeat as the watches want. SyncOnThread: the same, asked through RequestInterrupt.
void SyncLocked(ThreadSlot* slot);
void SyncOnThread(void* data);
// Under mu: does a watch cover thread `id`?
bool Wanted(uint32_t id);

// stall.cc: a stall's end (final report) and forgetting it; and looks at thread `slot`'s loop for watch `w` at `now`, under the registry lock
// and mu; returns when it wants to look again.
void Forget(Stall& st);
void End(Watcher& w, uint32_t thread, Stall& st, int64_t until);
int64_t Step(Watcher& w, ThreadSlot* slot, Heartbeat& hb, Stall& st, int64_t now);

// stall_report.cc: a report to the watching thread; a line on stderr.
void Deliver(const Watcher& w, uint32_t thread, const Stall& st, int64_t until, bool ongoing);
// The thread-safe function's call into the watching thread's JavaScript (owns the Report).
void CallJs(napi_env env, napi_value fn, void* context, void* data);
void Log(uint32_t thread, const char* what, double ms, const Sample* s);

}  // namespace detail
}  // namespace interruptible::watchdog
