// Keeps this library loaded until the process exits. Node unloads (dlclose) an
// environment's addons when it is torn down, and once no other thread of the process holds
// ours, the library would be unmapped while its process-wide threads (the deadline timer,
// the stall watchdog) still run or sleep in it: a crash (SIGSEGV) moments after the last
// worker that loaded it exited. Pinned, it stays.
#pragma once

namespace interruptible::pin {

// Idempotent; called at every load, before any of our threads can start.
void Library();

}  // namespace interruptible::pin
