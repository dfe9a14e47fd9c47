#include "stack.h"

#include "compat.h"
#include "leaked.h"

#include <mutex>
#include <unordered_map>

namespace interruptible {

namespace {

std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty()) return {};
  v8::String::Utf8Value utf8(isolate, s);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string();
}

napi_value Str(napi_env env, const std::string& s) {
  napi_value v = nullptr;
  napi_create_string_utf8(env, s.data(), s.size(), &v);
  return v;
}

}  // namespace

std::vector<Frame> CaptureStack(v8::Isolate* isolate) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::StackTrace> trace =
      v8::StackTrace::CurrentStackTrace(isolate, kMaxFrames, v8::StackTrace::kOverview);
  std::vector<Frame> frames;
  const int count = trace->GetFrameCount();
  frames.reserve(count);
  for (int i = 0; i < count; ++i) {
    v8::Local<v8::StackFrame> f = trace->GetFrame(isolate, i);
    // One GetLocation per frame: GetLineNumber and GetColumn each resolve the frame's
    // source position and look it up in the script's line ends again (capturing 10
    // frames measured about a third cheaper this way). Both are 0-based here.
    v8::Location location = f->GetLocation();  // non-const getters in older V8
    frames.push_back(Frame{ToUtf8(isolate, f->GetFunctionName()),
                           ToUtf8(isolate, f->GetScriptName()),
                           location.GetLineNumber() + 1, location.GetColumnNumber() + 1});
  }
  return frames;
}

napi_value FramesToJs(napi_env env, const std::vector<Frame>& frames) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::vector<v8::Local<v8::Value>> flat;
  flat.reserve(frames.size() * 4);
  // Most frames share their script with the frame before: one string for a run of them.
  const std::string* last_script = nullptr;
  v8::Local<v8::Value> script;
  for (const Frame& f : frames) {
    if (last_script == nullptr || *last_script != f.script) script = compat::ToV8(Str(env, f.script));
    last_script = &f.script;
    flat.push_back(compat::ToV8(Str(env, f.function)));
    flat.push_back(script);
    flat.push_back(v8::Integer::New(isolate, f.line));
    flat.push_back(v8::Integer::New(isolate, f.column));
  }
  // Made whole, in one step: element by element (napi_set_element) costs a runtime
  // lookup per element.
  return compat::ToNapi(v8::Array::New(isolate, flat.data(), flat.size()));
}

namespace snapshots {

namespace {

struct Entry {
  bool filled = false;
  bool abandoned = false;
  std::vector<Frame> frames;
};

// Made on first use, never destroyed (leaked.h): threads may outlive static destruction.
struct Table {
  std::mutex mu;
  uint32_t last = 0;
  std::unordered_map<uint32_t, Entry> entries;
};

Leaked<Table> table;

Table& T() { return *table; }

}  // namespace

uint32_t Open() {
  std::lock_guard<std::mutex> lock(T().mu);
  uint32_t id = ++T().last;
  if (id == 0) id = ++T().last;
  T().entries[id] = Entry{};
  return id;
}

void Fill(uint32_t id, std::vector<Frame> frames) {
  std::lock_guard<std::mutex> lock(T().mu);
  auto it = T().entries.find(id);
  if (it == T().entries.end()) return;
  if (it->second.abandoned) {
    T().entries.erase(it);
    return;
  }
  it->second.filled = true;
  it->second.frames = std::move(frames);
}

bool Take(uint32_t id, std::vector<Frame>* frames) {
  std::lock_guard<std::mutex> lock(T().mu);
  auto it = T().entries.find(id);
  if (it == T().entries.end() || !it->second.filled) return false;
  *frames = std::move(it->second.frames);
  T().entries.erase(it);
  return true;
}

void Abandon(uint32_t id) {
  std::lock_guard<std::mutex> lock(T().mu);
  auto it = T().entries.find(id);
  if (it == T().entries.end()) return;
  if (it->second.filled)
    T().entries.erase(it);
  else
    it->second.abandoned = true;
}

}  // namespace snapshots

}  // namespace interruptible
