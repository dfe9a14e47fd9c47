#include "registry.h"

#include "leaked.h"

#include <algorithm>
#include <random>

namespace interruptible::registry {

namespace {

double MakeNonce() {
  std::random_device rd;
  return static_cast<double>((static_cast<uint64_t>(rd()) << 20) ^ rd()) + 1;
}

// Made on first use (the first Register), never destroyed: worker threads may still be
// tearing down when static destructors run (leaked.h).
struct State {
  std::mutex mu;
  std::vector<ThreadSlot*> slots;
  uint32_t last_id = 0;
  double nonce = MakeNonce();
};

Leaked<State> state;

void Remove(void* arg) {
  auto* slot = static_cast<ThreadSlot*>(arg);
  {
    std::lock_guard<std::mutex> lock(state->mu);
    auto& v = state->slots;
    v.erase(std::remove(v.begin(), v.end(), slot), v.end());
  }
  // No other thread can reach the slot now.
  if (slot->shared_ref) napi_delete_reference(slot->napi, slot->shared_ref);
  if (slot->entry_ref) napi_delete_reference(slot->napi, slot->entry_ref);
  if (slot->sentinel_ref) napi_delete_reference(slot->napi, slot->sentinel_ref);
  if (slot->noop_ref) napi_delete_reference(slot->napi, slot->noop_ref);
  if (slot->suppressed_ref) napi_delete_reference(slot->napi, slot->suppressed_ref);
  delete slot;
}

}  // namespace

ThreadSlot* Register(napi_env env) {
  auto* slot = new ThreadSlot();
  slot->napi = env;
  slot->isolate = v8::Isolate::GetCurrent();
  slot->env = node::GetCurrentEnvironment(slot->isolate->GetCurrentContext());
  {
    std::lock_guard<std::mutex> lock(state->mu);
    slot->id = ++state->last_id;
    state->slots.push_back(slot);
  }
  napi_add_env_cleanup_hook(env, Remove, slot);
  return slot;
}

double ProcessNonce() { return state->nonce; }

Locked::Locked() : lock_(state->mu) {}
Locked::~Locked() = default;

ThreadSlot* Locked::Find(uint32_t id) const {
  for (ThreadSlot* s : state->slots)
    if (s->id == id) return s;
  return nullptr;
}

bool Locked::Issued(uint32_t id) const { return id >= 1 && id <= state->last_id; }

const std::vector<ThreadSlot*>& Locked::Slots() const { return state->slots; }

}  // namespace interruptible::registry
