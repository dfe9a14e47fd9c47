// The stall watchdog's reports: to the watching thread's JavaScript, and to stderr.
#include <algorithm>
#include <cstdio>
#include <string>

#include "watchdog_internal.h"

namespace interruptible::watchdog::detail {

namespace {

napi_value Num(napi_env env, double d) {
  napi_value v = nullptr;
  napi_create_double(env, d, &v);
  return v;
}

}  // namespace

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

}  // namespace interruptible::watchdog::detail
