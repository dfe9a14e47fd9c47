#include "watchdog.h"

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

namespace {

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

State* const state = new State();

void Wake() {
  {
    std::lock_guard<std::mutex> lock(state->mu);
    ++state->generation;
  }
  state->cv.notify_one();
}

// ---- the owner thread's side -----------------------------------------------------

// The loop's cached time (uv_now: no clock call) is enough for when: it was updated at
// this iteration's start, so it never postdates the stall that follows. Whether the loop
// moved is the counter's to say.
int64_t LoopTimeNs(uv_loop_t* loop) { return static_cast<int64_t>(uv_now(loop)) * 1'000'000; }

// Once per turn, just before the loop polls for I/O: every turn passes here, and a loop
// never waits for I/O without passing here first, so a stall anywhere in a turn (timers,
// an I/O callback, immediates) ends at the next call. One handle, not a uv_check as well:
// it halves the per-turn cost, which is the whole cost of a watch on a busy loop.
void OnPrepare(uv_prepare_t* h) {
  auto* hb = static_cast<Heartbeat*>(h->data);
  hb->seen.store(LoopTimeNs(h->loop), std::memory_order_relaxed);
  // One writer (this loop): a plain increment, published with release.
  hb->turns.store(hb->turns.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  if (hb->watched.load(std::memory_order_relaxed)) Wake();
}

void OnClosed(uv_handle_t* h) {
  auto* hb = static_cast<Heartbeat*>(h->data);
  napi_remove_async_cleanup_hook(hb->hook);
  delete hb;
}

// Env teardown: the handles must be closed before the loop is; Node waits for the hook.
void Teardown(napi_async_cleanup_hook_handle, void* arg) {
  auto* hb = static_cast<Heartbeat*>(arg);
  {
    registry::Locked reg;
    if (ThreadSlot* slot = reg.Find(hb->id); slot != nullptr && slot->heartbeat == hb) slot->heartbeat = nullptr;
  }
  hb->active.store(false);
  uv_close(reinterpret_cast<uv_handle_t*>(&hb->prepare), OnClosed);
}

bool Wanted(uint32_t id) {  // under mu
  for (const auto& w : state->watches)
    if (w->all || w->owner == id) return true;
  return false;
}

// On the slot's thread, under the registry lock and mu: start or stop its heartbeat as the
// watches want, making it on first use.
void SyncLocked(ThreadSlot* slot) {
  const bool want = Wanted(slot->id);
  Heartbeat* hb = slot->heartbeat;
  if (want && hb == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(slot->napi, &loop) != napi_ok || loop == nullptr) return;
    hb = new Heartbeat();
    hb->id = slot->id;
#ifdef __linux__
    hb->has_cpu_clock = pthread_getcpuclockid(pthread_self(), &hb->cpu_clock) == 0;
    hb->tid = static_cast<pid_t>(syscall(SYS_gettid));
#endif
    uv_prepare_init(loop, &hb->prepare);
    hb->prepare.data = hb;
    uv_unref(reinterpret_cast<uv_handle_t*>(&hb->prepare));  // a watch never keeps a process alive
    napi_add_async_cleanup_hook(slot->napi, Teardown, hb, &hb->hook);
    slot->heartbeat = hb;
  }
  if (hb == nullptr) return;
  if (want && !hb->active.load()) {
    hb->seen.store(NowNs());
    uv_prepare_start(&hb->prepare, OnPrepare);
    hb->active.store(true);
  } else if (!want && hb->active.load()) {
    uv_prepare_stop(&hb->prepare);
    hb->active.store(false);
    hb->watched.store(false);
  }
}

// Runs on the thread the watchdog asked (node::RequestInterrupt).
void SyncOnThread(void* data) {
  const auto id = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  registry::Locked reg;
  std::lock_guard<std::mutex> lock(state->mu);
  auto& asked = state->sync_asked;
  asked.erase(std::remove(asked.begin(), asked.end(), id), asked.end());
  if (ThreadSlot* slot = reg.Find(id)) SyncLocked(slot);
}

// ---- delivery ---------------------------------------------------------------------

napi_value Num(napi_env env, double d) {
  napi_value v = nullptr;
  napi_create_double(env, d, &v);
  return v;
}

void CallJs(napi_env env, napi_value fn, void*, void* data) {
  std::unique_ptr<Report> r(static_cast<Report*>(data));
  if (env == nullptr || fn == nullptr) return;  // the watch ended: drop it
  napi_value report = nullptr;
  napi_value samples = nullptr;
  napi_value flag = nullptr;
  napi_create_object(env, &report);
  napi_set_named_property(env, report, "thread", Num(env, r->thread));
  napi_set_named_property(env, report, "blockedMs", Num(env, r->blocked_ms));
  napi_get_boolean(env, r->ongoing, &flag);
  napi_set_named_property(env, report, "ongoing", flag);
  napi_create_array_with_length(env, r->samples.size(), &samples);
  for (size_t i = 0; i < r->samples.size(); ++i) {
    const Sample& s = r->samples[i];
    napi_value o = nullptr;
    napi_value st = nullptr;
    napi_create_object(env, &o);
    napi_set_named_property(env, o, "atMs", Num(env, static_cast<double>(s.at - r->start) / 1e6));
    napi_create_string_utf8(env, s.native ? "native" : "running", NAPI_AUTO_LENGTH, &st);
    napi_set_named_property(env, o, "state", st);
    napi_set_named_property(env, o, "frames", FramesToJs(env, s.frames));
    napi_set_element(env, samples, static_cast<uint32_t>(i), o);
  }
  napi_set_named_property(env, report, "samples", samples);
  napi_value undefined = nullptr;
  napi_value ignored = nullptr;
  napi_get_undefined(env, &undefined);
  // The TypeScript dispatcher catches what onStall throws and rethrows it on its own.
  napi_call_function(env, undefined, fn, 1, &report, &ignored);
}

void Deliver(const Watcher& w, uint32_t thread, const Stall& st, int64_t until, bool ongoing) {
  auto r = std::make_unique<Report>();
  r->thread = thread;
  r->blocked_ms = static_cast<double>(std::max<int64_t>(0, until - st.start)) / 1e6;
  r->ongoing = ongoing;
  r->start = st.start;
  r->samples = st.samples;
  // Non-blocking on an unbounded queue: only queues and wakes the watching thread's loop.
  if (napi_call_threadsafe_function(w.tsfn, r.get(), napi_tsfn_nonblocking) == napi_ok) r.release();
}

void Log(uint32_t thread, const char* what, double ms, const Sample* s) {
  std::string line = "interruptible: thread " + std::to_string(thread) + "'s event loop " + what + " " +
                     std::to_string(static_cast<int64_t>(ms)) + " ms";
  if (s != nullptr) {
    line += s->native ? " (in native code)" : " (running JavaScript)";
    if (!s->frames.empty()) {
      const Frame& f = s->frames.front();
      line += " at " + (f.function.empty() ? std::string("<anonymous>") : f.function) + " (" + f.script + ":" +
              std::to_string(f.line) + ":" + std::to_string(f.column) + ")";
    }
  }
  line += "\n";
  // One write per line, straight to the descriptor: the thread it reports on may hold
  // Node's stdio machinery, and may never come back.
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

// ---- the watchdog thread ----------------------------------------------------------

// The thread's CPU time in ns, or -1 where it cannot be read.
int64_t CpuNs(const Heartbeat& hb) {
#ifdef __linux__
  timespec ts{};
  if (hb.has_cpu_clock && clock_gettime(hb.cpu_clock, &ts) == 0) return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
#endif
  return -1;
}

// True while a thread that has not answered may simply not have been scheduled since it
// was asked: runnable, and it has used (almost) no CPU since. A thread sleeping in a
// system call, or running without answering (native code, a builtin, GC), is blocked.
bool Starved(const Heartbeat& hb, const Stall& st, int64_t now, int64_t answer) {
#ifdef __linux__
  if (st.snap_cpu < 0 || now >= st.snap_at + kStarvedWindows * answer) return false;
  const int64_t cpu = CpuNs(hb);
  if (cpu < 0 || cpu - st.snap_cpu >= kRanNs) return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(hb.tid));
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return false;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* close = std::strrchr(buf, ')');  // the state follows the command name
  return close != nullptr && close[1] == ' ' && close[2] == 'R';
#else
  (void)hb, (void)st, (void)now, (void)answer;
  return false;
#endif
}

uint32_t Ask(ThreadSlot* slot) {  // under the registry lock
  const uint32_t id = snapshots::Open();
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->snapshots.push_back(id);
  }
  callback::Signal(slot);
  return id;
}

void Forget(Stall& st) {
  if (st.snap != 0) snapshots::Abandon(st.snap);
  st.snap = 0;
  st.probing = false;
  st.stalled = false;
  st.samples.clear();
}

// A sample's state became known: tell whoever can hear it while the thread is blocked.
void Resolved(const Watcher& w, uint32_t thread, const Stall& st, const Sample& s, int64_t now) {
  if (w.log && &s == &st.samples.front()) Log(thread, "blocked for", static_cast<double>(now - st.start) / 1e6, &s);
  if (thread != w.owner) Deliver(w, thread, st, now, true);
}

void Begin(Watcher& w, uint32_t thread, Heartbeat& hb, Stall& st, bool native, std::vector<Frame> frames, int64_t now) {
  st.stalled = true;
  st.start = std::max(st.seen, st.idle_at);
  st.samples.push_back(Sample{st.snap_at, native, true, std::move(frames)});
  st.snap_sample = 0;
  st.next_sample = st.snap_at + w.every;
  hb.watched.store(true);
  Resolved(w, thread, st, st.samples.back(), now);
}

void End(Watcher& w, uint32_t thread, Stall& st, int64_t until) {
  std::vector<Frame> frames;
  if (st.snap != 0 && snapshots::Take(st.snap, &frames)) {
    // Frames: it answered from JavaScript before the turn. None: from the loop, after it.
    Sample& s = st.samples[st.snap_sample];
    if (!frames.empty()) {
      s.frames = std::move(frames);
      s.resolved = true;
    }
    st.snap = 0;
  }
  if (!st.samples.empty() && !st.samples.back().resolved) st.samples.pop_back();  // asked too late to count
  Deliver(w, thread, st, until, false);
  if (w.log) Log(thread, "turned again after", static_cast<double>(std::max<int64_t>(0, until - st.start)) / 1e6, nullptr);
}

// One watch, one thread: returns when to look again.
int64_t Step(Watcher& w, ThreadSlot* slot, Heartbeat& hb, Stall& st, int64_t now) {
  const uint32_t thread = slot->id;
  const uint64_t turns = hb.turns.load(std::memory_order_acquire);
  const int64_t seen = hb.seen.load(std::memory_order_relaxed);
  if (st.turns != turns || st.seen == 0) {  // the loop moved (noticed at once: a sampled loop's turn wakes us)
    if (st.stalled) End(w, thread, st, now);
    Forget(st);
    st.turns = turns;
    st.seen = seen;
  }
  if (!st.stalled && !st.probing) {
    const int64_t due = std::max(seen, st.idle_at) + w.threshold;
    if (now < due) return due;
    st.snap = Ask(slot);
    st.snap_at = now;
    st.snap_cpu = CpuNs(hb);
    st.probing = true;
  }
  if (st.snap != 0) {
    std::vector<Frame> frames;
    if (snapshots::Take(st.snap, &frames)) {
      st.snap = 0;
      if (st.probing) {
        st.probing = false;
        if (frames.empty()) {  // no JavaScript on its stack: waiting in its loop
          st.idle_at = now;
          return now + w.threshold;
        }
        Begin(w, thread, hb, st, false, std::move(frames), now);
      } else {
        Sample& s = st.samples[st.snap_sample];
        s.frames = std::move(frames);
        if (!s.resolved) {
          s.resolved = true;
          Resolved(w, thread, st, s, now);
        }
      }
    } else if (now >= st.snap_at + w.answer && !Starved(hb, st, now, w.answer)) {
      // No answer: blocked outside JavaScript. Its frames come when it returns.
      if (st.probing) {
        st.probing = false;
        Begin(w, thread, hb, st, true, {}, now);
      } else if (!st.samples[st.snap_sample].resolved) {
        Sample& s = st.samples[st.snap_sample];
        s.native = true;
        s.resolved = true;
        Resolved(w, thread, st, s, now);
      }
    } else {
      return now + kPollNs;
    }
  }
  if (!st.stalled) return now + w.threshold;
  if (now >= st.next_sample) {
    st.next_sample = std::max(now, st.next_sample + w.every);
    if (st.samples.size() < kMaxSamples) {
      if (st.snap != 0) {  // still no answer to the last request: still in native code
        st.samples.push_back(Sample{now, true, true, {}});
        Resolved(w, thread, st, st.samples.back(), now);
      } else {
        st.snap = Ask(slot);
        st.snap_at = now;
        st.snap_cpu = CpuNs(hb);
        st.snap_sample = st.samples.size();
        st.samples.push_back(Sample{now, false, false, {}});
        return std::min(now + kPollNs, st.next_sample);
      }
    }
  }
  return st.next_sample;
}

// Under the registry lock and mu: one pass over every watch; returns when to look again.
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
