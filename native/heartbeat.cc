// The watched threads' side of the stall watchdog: a heartbeat per loop.
#include <algorithm>

#include "watchdog_internal.h"

namespace interruptible::watchdog::detail {

namespace {

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

}  // namespace

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

}  // namespace interruptible::watchdog::detail
