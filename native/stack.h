// Capture of the JavaScript frames a thread is executing (G11).
#pragma once

#include <node_api.h>
#include <v8.h>

#include <string>
#include <vector>

namespace interruptible {

struct Frame {
  std::string function;
  std::string script;
  int line = 0;
  int column = 0;
};

constexpr int kMaxFrames = 10;

// Must run on the isolate's own thread, with JS on the stack (e.g. in an interrupt
// callback). Copies everything out of V8 so the result outlives any HandleScope.
std::vector<Frame> CaptureStack(v8::Isolate* isolate);

// [function, script, line, column, function, ...], innermost first: flat, because an
// object per frame built here (a map transition per property, each key looked up) cost a
// quarter of an interrupt's round trip; src/frames.ts (framesFrom) makes the objects.
napi_value FramesToJs(napi_env env, const std::vector<Frame>& frames);

// Snapshots of another thread's stack, taken without stopping it: the requester opens
// one, the target thread fills it in its interrupt callback, the requester polls.
// Process-wide, under their own lock; entries never hold pointers into a thread.
namespace snapshots {
uint32_t Open();
void Fill(uint32_t id, std::vector<Frame> frames);
// false while pending; once filled, hands the frames over and forgets the id.
bool Take(uint32_t id, std::vector<Frame>* frames);
// The requester stopped waiting: forget the id now, or when it is filled.
void Abandon(uint32_t id);
}  // namespace snapshots

}  // namespace interruptible
