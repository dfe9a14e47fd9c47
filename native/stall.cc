// One watch's view of one thread's loop, stepped by the watchdog thread: when a stall
// begins, what each sample says, when it ends.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "callback.h"
#include "clock.h"
#include "watchdog_internal.h"

namespace interruptible::watchdog::detail {

namespace {

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


}  // namespace

// Drops what a stall kept (its samples, its outstanding stack request).
void Forget(Stall& st) {
  if (st.snap != 0) snapshots::Abandon(st.snap);
  st.snap = 0;
  st.probing = false;
  st.stalled = false;
  st.samples.clear();
}

// The stall ended (the loop turned at `until`): the final report.
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
}  // namespace interruptible::watchdog::detail
