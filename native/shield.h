// The native half of a shield (src/shield.ts is the other): TypeScript counts the shields
// held (shared[kShieldDepth]) and asks here when a termination must be held or let go.
#pragma once

#include "registry.h"

namespace interruptible::shield {

// hold(): a shield is being entered while a termination of ours was requested but has
// not taken effect (shared[kFired]): take it back and hold it until the outermost
// shield exits (shared[kHeld]).
napi_value Hold(napi_env env, napi_callback_info info);

// release(): the outermost shield exited while a delivery was held: decide again now.
napi_value Release(napi_env env, napi_callback_info info);

}  // namespace interruptible::shield
