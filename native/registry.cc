#include "registry.h"

#include <algorithm>
#include <random>

namespace interruptible::registry {

namespace {

// Leaked on purpose: worker threads may still be tearing down when static destructors run.
struct State {
  std::mutex mu;
  std::vector<Slot*> slots;
  uint32_t last_id = 0;
  double nonce = 0;
};

State& S() {
  static State* s = [] {
    auto* st = new State();
    std::random_device rd;
    st->nonce = static_cast<double>((static_cast<uint64_t>(rd()) << 20) ^ rd()) + 1;
    return st;
  }();
  return *s;
}

void Remove(void* arg) {
  auto* slot = static_cast<Slot*>(arg);
  {
    std::lock_guard<std::mutex> lock(S().mu);
    auto& v = S().slots;
    v.erase(std::remove(v.begin(), v.end(), slot), v.end());
  }
  // No other thread can reach the slot now.
  if (slot->shared_ref) napi_delete_reference(slot->napi, slot->shared_ref);
  if (slot->sentinel_ref) napi_delete_reference(slot->napi, slot->sentinel_ref);
  delete slot;
}

}  // namespace

Slot* Register(napi_env env) {
  auto* slot = new Slot();
  slot->napi = env;
  slot->isolate = v8::Isolate::GetCurrent();
  slot->env = node::GetCurrentEnvironment(slot->isolate->GetCurrentContext());
  {
    std::lock_guard<std::mutex> lock(S().mu);
    slot->id = ++S().last_id;
    S().slots.push_back(slot);
  }
  napi_add_env_cleanup_hook(env, Remove, slot);
  return slot;
}

double ProcessNonce() { return S().nonce; }

Locked::Locked() : lock_(S().mu) {}
Locked::~Locked() = default;

Slot* Locked::Find(uint32_t id) const {
  for (Slot* s : S().slots)
    if (s->id == id) return s;
  return nullptr;
}

bool Locked::Issued(uint32_t id) const { return id >= 1 && id <= S().last_id; }

const std::vector<Slot*>& Locked::Slots() const { return S().slots; }

}  // namespace interruptible::registry
