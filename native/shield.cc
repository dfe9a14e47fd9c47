#include "shield.h"

#include "args.h"
#include "callback.h"
#include "termination.h"

namespace interruptible::shield {

napi_value Hold(napi_env env, napi_callback_info info) {
  Args args(env, info, 0);
  ThreadSlot* slot = args.slot();
  // Once it is unwinding, a termination cannot be taken back: the shield's own code will
  // not run anyway.
  if (slot->fired && !slot->isolate->IsExecutionTerminating() && termination::TakeBack(slot))
    slot->shared[kHeld] = 1;
  return nullptr;
}

napi_value Release(napi_env env, napi_callback_info info) {
  Args args(env, info, 0);
  ThreadSlot* slot = args.slot();
  slot->shared[kHeld] = 0;
  // Delivered as the shield exits, not at some later stack check (G4, G13).
  callback::DecideNow(slot);
  return nullptr;
}

}  // namespace interruptible::shield
