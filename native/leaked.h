// A process-wide object made on first use and never destroyed: threads may still use it
// while static destructors run. Neither a function-local static nor a namespace-scope
// object with a constructor: the Windows build has no runtime for thread-safe statics and
// runs no dynamic initialisers (scripts/prebuild-cross.sh refuses them). The holder itself
// is constant-initialised (an atomic pointer); a race on first use makes two, keeps one.
#pragma once

#include <atomic>

namespace interruptible {

template <typename T>
class Leaked {
 public:
  constexpr Leaked() = default;
  Leaked(const Leaked&) = delete;
  Leaked& operator=(const Leaked&) = delete;

  T& operator*() { return *get(); }
  T* operator->() { return get(); }

 private:
  T* get() {
    T* p = p_.load(std::memory_order_acquire);
    if (p != nullptr) return p;
    T* made = new T();
    if (p_.compare_exchange_strong(p, made, std::memory_order_acq_rel)) return made;
    delete made;  // another thread made it first
    return p;
  }

  std::atomic<T*> p_{nullptr};
};

}  // namespace interruptible
