// Research probe for design (c): a vm context with microtaskMode 'afterEvaluate' per task,
// whose microtask queue is drained only here, inside a boundary that can end our own
// termination. Not the library's addon: experiments/async-after-await/README.md says why
// each piece exists. One State per thread (instance data); interrupt() works from any thread.
#include <node_api.h>
#include <node.h>
#include <uv.h>
#include <v8.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

namespace {

#if V8_MAJOR_VERSION >= 14
using Cped = v8::Local<v8::Data>;
Cped GetCped(v8::Isolate* i) { return i->GetContinuationPreservedEmbedderDataV2(); }
void SetCped(v8::Isolate* i, Cped v) { i->SetContinuationPreservedEmbedderDataV2(v); }
#elif V8_MAJOR_VERSION >= 12
using Cped = v8::Local<v8::Value>;
Cped GetCped(v8::Isolate* i) { return i->GetContinuationPreservedEmbedderData(); }
void SetCped(v8::Isolate* i, Cped v) { i->SetContinuationPreservedEmbedderData(v); }
#else
struct Cped {};
Cped GetCped(v8::Isolate*) { return {}; }
void SetCped(v8::Isolate*, Cped) {}
#endif

v8::Local<v8::Value> ToV8(napi_value v) {
  v8::Local<v8::Value> l;
  memcpy(static_cast<void*>(&l), &v, sizeof(v));
  return l;
}

enum Counter { kDrains, kRequests, kFired, kInterrupted, kHeldAsync, kIdle, kLeftStopping,
               kReterminated, kNaiveCancelWhileStopping, kCount };
const char* kNames[kCount] = {"drains", "requests", "fired", "interrupted", "heldAsync", "idle",
                              "leftStopping", "reterminated", "naiveCancelWhileStopping"};

struct State {
  int id = 0;
  v8::Isolate* iso = nullptr;
  napi_env env = nullptr;
  v8::Global<v8::Context> main;
  v8::MicrotaskQueue* queue = nullptr;  // the task context's own queue
  v8::Global<v8::Object> resource;
  node::async_context actx{};
  v8::Global<v8::Function> onInterrupt;
  uv_prepare_t prep;
  uv_check_t chk;
  uv_idle_t idle;  // optional: while a task is active, the loop never blocks in poll
  bool useIdle = false;
  int closing = 0;
  napi_async_cleanup_hook_handle hook = nullptr;
  bool checkAsync = true;     // hold while the execution async id differs from the drain's
  bool probeStopping = true;  // never cancel a termination while Node is stopping the env
  int rounds = 1;             // drains per loop phase (main-realm ticks can queue more)
  bool inBoundary = false;
  bool fired = false;
  std::atomic<bool> taskActive{false};
  std::atomic<bool> pending{false};
  std::atomic<bool> dead{false};
  double entryAsyncId = 0;
  std::atomic<int64_t> c[kCount] = {};
};

std::mutex g_mu;
std::map<int, State*> g_reg;  // States are never freed: a late interrupt callback stays safe
int g_next = 1;

bool Stopping(State* st) {
  // Every N-API call with a preamble refuses once the env is stopping (can_call_into_js).
  napi_value u, b;
  napi_get_undefined(st->env, &u);
  return napi_coerce_to_bool(st->env, u, &b) != napi_ok;
}

void OnInterrupt(v8::Isolate* iso, void* data) {
  auto* st = static_cast<State*>(data);
  if (st->dead.load()) return;
  if (!st->inBoundary) {
    st->c[kIdle]++;
    if (st->taskActive.load()) st->pending = true;  // delivered at the next drain's entry
    return;
  }
  if (st->fired) return;
  if (st->checkAsync && node::AsyncHooksGetExecutionAsyncId(iso) != st->entryAsyncId) {
    st->c[kHeldAsync]++;  // inside a JS async-hook scope (promise before-hook): unsafe
    return;
  }
  st->fired = true;
  st->c[kFired]++;
  iso->TerminateExecution();
}

template <typename Body>
void Boundary(State* st, Body body) {
  v8::Isolate* iso = st->iso;
  v8::TryCatch tc(iso);
  Cped cped = GetCped(iso);
  st->entryAsyncId = node::AsyncHooksGetExecutionAsyncId(iso);
  st->inBoundary = true;
  if (st->pending.exchange(false) && st->taskActive.load()) {
    st->fired = true;
    st->c[kFired]++;
    iso->TerminateExecution();
  }
  body();
  st->inBoundary = false;
  if (!st->fired) return;
  st->fired = false;
  if (st->probeStopping && Stopping(st)) { st->c[kLeftStopping]++; return; }
  if (!st->probeStopping && Stopping(st)) st->c[kNaiveCancelWhileStopping]++;
  iso->CancelTerminateExecution();
  if (st->probeStopping && Stopping(st)) {
    iso->TerminateExecution();
    st->c[kReterminated]++;
    return;
  }
  SetCped(iso, cped);
  tc.Reset();
  st->c[kInterrupted]++;
  st->taskActive = false;
  if (!st->onInterrupt.IsEmpty()) {
    v8::TryCatch tc2(iso);
    v8::Local<v8::Context> ctx = iso->GetCurrentContext();
    v8::MaybeLocal<v8::Value> r = st->onInterrupt.Get(iso)->Call(ctx, v8::Undefined(iso), 0, nullptr);
    (void)r;
  }
}

void DrainOnce(State* st) {
  if (st->dead.load() || st->queue == nullptr || st->inBoundary) return;
  if (Stopping(st)) return;
  v8::Isolate* iso = st->iso;
  v8::HandleScope hs(iso);
  v8::Local<v8::Context> ctx = st->main.Get(iso);
  v8::Context::Scope cs(ctx);
  // Closing the scope runs Node's nextTick queue and the main realm's microtasks, which can
  // queue more work in the context's queue: nothing in Node drains that one again.
  node::CallbackScope scope(iso, st->resource.Get(iso), st->actx);
  st->c[kDrains]++;
  Boundary(st, [&] { st->queue->PerformCheckpoint(iso); });
}

void Drain(State* st) {
  for (int k = 0; k < st->rounds; k++) DrainOnce(st);
}

void OnPrepare(uv_prepare_t* h) { Drain(static_cast<State*>(h->data)); }
void OnCheck(uv_check_t* h) { Drain(static_cast<State*>(h->data)); }
void OnIdle(uv_idle_t*) {}

void OnClosed(uv_handle_t* h) {
  auto* st = static_cast<State*>(h->data);
  if (--st->closing == 0) napi_remove_async_cleanup_hook(st->hook);
}

void AsyncCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* st = static_cast<State*>(arg);
  {
    std::lock_guard<std::mutex> lock(g_mu);
    st->dead = true;
    g_reg.erase(st->id);
  }
  st->closing = 3;
  uv_close(reinterpret_cast<uv_handle_t*>(&st->prep), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->chk), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&st->idle), OnClosed);
}

State* Get(napi_env env) {
  void* d = nullptr;
  napi_get_instance_data(env, &d);
  return static_cast<State*>(d);
}

napi_value Num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

bool Bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

// attach(fnFromContext, onInterrupt, checkAsync, probeStopping) -> id
napi_value Attach(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  State* st = Get(env);
  v8::Isolate* iso = v8::Isolate::GetCurrent();
  if (st == nullptr) {
    st = new State();
    st->iso = iso;
    st->env = env;
    st->main.Reset(iso, iso->GetCurrentContext());
    v8::Local<v8::Object> res = v8::Object::New(iso);
    st->resource.Reset(iso, res);
    st->actx = node::EmitAsyncInit(iso, res, "ProbeDrain");
    uv_loop_t* loop;
    napi_get_uv_event_loop(env, &loop);
    uv_prepare_init(loop, &st->prep);
    uv_check_init(loop, &st->chk);
    uv_idle_init(loop, &st->idle);
    st->prep.data = st;
    st->chk.data = st;
    st->idle.data = st;
    uv_prepare_start(&st->prep, OnPrepare);
    uv_check_start(&st->chk, OnCheck);
    uv_unref(reinterpret_cast<uv_handle_t*>(&st->prep));
    uv_unref(reinterpret_cast<uv_handle_t*>(&st->chk));
    napi_set_instance_data(env, st, nullptr, nullptr);
    napi_add_async_cleanup_hook(env, AsyncCleanup, st, &st->hook);
    std::lock_guard<std::mutex> lock(g_mu);
    st->id = g_next++;
    g_reg[st->id] = st;
  }
  v8::Local<v8::Function> fn = ToV8(argv[0]).As<v8::Function>();
  st->queue = fn->GetCreationContext().ToLocalChecked()->GetMicrotaskQueue();
  if (argc > 1 && ToV8(argv[1])->IsFunction())
    st->onInterrupt.Reset(iso, ToV8(argv[1]).As<v8::Function>());
  st->checkAsync = argc > 2 ? Bool(env, argv[2]) : true;
  st->probeStopping = argc > 3 ? Bool(env, argv[3]) : true;
  if (argc > 4) napi_get_value_int32(env, argv[4], &st->rounds);
  if (argc > 5) st->useIdle = Bool(env, argv[5]);
  return Num(env, st->id);
}

// begin()/end(): a task is active; an interrupt that finds no boundary waits for the next.
napi_value Begin(napi_env env, napi_callback_info) {
  if (State* st = Get(env)) {
    st->pending = false;
    st->taskActive = true;
    if (st->useIdle) uv_idle_start(&st->idle, OnIdle);
  }
  return nullptr;
}
napi_value End(napi_env env, napi_callback_info) {
  if (State* st = Get(env)) {
    st->taskActive = false;
    st->pending = false;
    uv_idle_stop(&st->idle);
  }
  return nullptr;
}

napi_value DrainNow(napi_env env, napi_callback_info) {
  if (State* st = Get(env)) Drain(st);
  return nullptr;
}

// run(fn): fn called inside the same boundary (what a wrapped timer callback would get).
napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  State* st = Get(env);
  if (st == nullptr || st->inBoundary) {
    napi_value r;
    napi_get_undefined(env, &r);
    napi_call_function(env, r, argv[0], 0, nullptr, &r);
    return r;
  }
  v8::Isolate* iso = st->iso;
  v8::Local<v8::Function> fn = ToV8(argv[0]).As<v8::Function>();
  Boundary(st, [&] {
    v8::MaybeLocal<v8::Value> r = fn->Call(iso->GetCurrentContext(), v8::Undefined(iso), 0, nullptr);
    (void)r;
    st->queue->PerformCheckpoint(iso);
  });
  return nullptr;
}

// interrupt(id): any thread. Returns false when the thread is gone.
napi_value Interrupt(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t id = 0;
  napi_get_value_int32(env, argv[0], &id);
  bool ok = false;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_reg.find(id);
    if (it != g_reg.end() && !it->second->dead.load()) {
      it->second->c[kRequests]++;
      it->second->iso->RequestInterrupt(OnInterrupt, it->second);
      ok = true;
    }
  }
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

napi_value Stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  State* st = nullptr;
  if (argc >= 1) {
    int32_t id = 0;
    napi_get_value_int32(env, argv[0], &id);
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_reg.find(id);
    if (it != g_reg.end()) st = it->second;
  } else {
    st = Get(env);
  }
  napi_value o;
  napi_create_object(env, &o);
  if (st == nullptr) return o;
  for (int i = 0; i < kCount; i++) napi_set_named_property(env, o, kNames[i], Num(env, st->c[i].load()));
  return o;
}

napi_value AsyncId(napi_env env, napi_callback_info) {
  return Num(env, node::AsyncHooksGetExecutionAsyncId(v8::Isolate::GetCurrent()));
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"attach", nullptr, Attach, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"begin", nullptr, Begin, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"end", nullptr, End, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"drain", nullptr, DrainNow, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"interrupt", nullptr, Interrupt, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stats", nullptr, Stats, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"asyncId", nullptr, AsyncId, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
