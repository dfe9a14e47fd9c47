#include "pin.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace interruptible::pin {

namespace {
// An address inside this library (an object, so that no function pointer is cast).
const char kAnchor = 0;
}  // namespace

void Library() {
#ifdef _WIN32
  HMODULE self = nullptr;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     reinterpret_cast<LPCWSTR>(&kAnchor), &self);
#else
  Dl_info info;
  // RTLD_NOLOAD: only a reference to the loaded copy; RTLD_NODELETE: dlclose never unmaps
  // it. The handle is kept for the process's life on purpose (never dlclose'd).
  if (dladdr(&kAnchor, &info) != 0 && info.dli_fname != nullptr) {
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
#endif
}

}  // namespace interruptible::pin
