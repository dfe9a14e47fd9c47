// What TypeScript asks its own thread's slot: what is pending for a region, and what the
// last converting boundary caught.
#pragma once

#include "registry.h"

namespace interruptible::queries {

// pending(token, deliverable) -> null | { kind, token, reason }: a request or expired
// deadline that aims at region `token` or an outer one and is not delivered yet (grace
// period, shield, async scope). deliverable: leave out what a shield between that region
// and here holds back (checkpoint() never throws through a shield, G4).
napi_value Pending(napi_env env, napi_callback_info info);

// outcome() -> { kind, token, reason, frames, suppressed? }: what the last converting
// boundary caught (once: the slot forgets it); `suppressed`, when present, is the
// region's own error that the interrupt superseded.
napi_value Outcome(napi_env env, napi_callback_info info);

}  // namespace interruptible::queries
