// The few pieces of Microsoft's C++ runtime (vcruntime) that the win32-x64 addon needs and
// that neither libc++ nor the ucrt provides, for the cross-build in prebuild-cross.sh: it
// links against libc++ compiled for the MSVC ABI, the ucrt and node.exe, never vcruntime.
// Each piece says which source construct needs it, so that removing the construct can
// remove the piece.
#include <windows.h>

#include <climits>
#include <cstdlib>
#include <cwchar>
#include <exception>
#include <future>

extern "C" {

// Any floating-point use in the MSVC ABI references this marker.
int _fltused = 0;

// ---- Static TLS for this DLL (vcruntime's tlssup): needed only by the thread-safe
// function-local statics below, whose generated code reads _Init_thread_epoch through
// _tls_index. The linker makes _tls_used the image's TLS directory.
ULONG _tls_index = 0;
#pragma section(".tls", read, write)
#pragma section(".tls$ZZZ", read, write)
#pragma section(".CRT$XLA", read)
#pragma section(".CRT$XLZ", read)
__declspec(allocate(".tls")) char _tls_start = 0;
__declspec(allocate(".tls$ZZZ")) char _tls_end = 0;
__declspec(allocate(".CRT$XLA")) PIMAGE_TLS_CALLBACK __xl_a = nullptr;
__declspec(allocate(".CRT$XLZ")) PIMAGE_TLS_CALLBACK __xl_z = nullptr;
extern const IMAGE_TLS_DIRECTORY64 _tls_used = {
    reinterpret_cast<ULONGLONG>(&_tls_start), reinterpret_cast<ULONGLONG>(&_tls_end),
    reinterpret_cast<ULONGLONG>(&_tls_index), reinterpret_cast<ULONGLONG>(&__xl_a + 1), 0, {0}};

// ---- Thread-safe function-local statics (`static T* t = new T()` in native/registry.cc,
// deadline.cc, stack.cc). The MSVC ABI guards each with an int: 0 = not initialised,
// -1 = being initialised, otherwise the epoch at which it was; a thread whose own epoch
// is at least the guard's skips the header entirely.
static SRWLOCK init_lock = SRWLOCK_INIT;
static CONDITION_VARIABLE init_done = CONDITION_VARIABLE_INIT;
int _Init_global_epoch = INT_MIN;
__declspec(thread) int _Init_thread_epoch = INT_MIN;

void _Init_thread_header(int* guard) {
  AcquireSRWLockExclusive(&init_lock);
  for (;;) {
    if (*guard == 0) {  // ours to initialise: the caller runs the initialiser, then the footer
      *guard = -1;
      break;
    }
    if (*guard != -1) {  // done by another thread: the caller skips the initialiser
      _Init_thread_epoch = _Init_global_epoch;
      break;
    }
    SleepConditionVariableSRW(&init_done, &init_lock, INFINITE, 0);
  }
  ReleaseSRWLockExclusive(&init_lock);
}

void _Init_thread_footer(int* guard) {
  AcquireSRWLockExclusive(&init_lock);
  *guard = ++_Init_global_epoch;
  _Init_thread_epoch = _Init_global_epoch;
  ReleaseSRWLockExclusive(&init_lock);
  WakeAllConditionVariable(&init_done);
}

void _Init_thread_abort(int* guard) {
  AcquireSRWLockExclusive(&init_lock);
  *guard = 0;
  ReleaseSRWLockExclusive(&init_lock);
  WakeAllConditionVariable(&init_done);
}

// ---- C library functions libc++ calls that mingw-w64's ucrt import library does not
// name: long double is double in the MSVC ABI (libc++'s string.cpp, std::stold); ceilf is
// an inline in Microsoft's headers (libc++'s hash tables, for unordered_map in stack.cc).
long double strtold(const char* s, char** end) { return strtod(s, end); }
long double wcstold(const wchar_t* s, wchar_t** end) { return wcstod(s, end); }
float ceilf(float x) {
  if (!(__builtin_fabsf(x) < 8388608.0f)) return x;  // NaN, infinite, or already whole
  float whole = static_cast<float>(static_cast<int>(x));
  return __builtin_copysignf(whole < x ? whole + 1.0f : whole, x);
}

}  // extern "C"

// ---- What vcruntime would define for libc++ built with _LIBCPP_NO_VCRUNTIME. The addon
// throws nothing (-fno-exceptions); these are reached only through libc++'s own classes.
std::exception::~exception() noexcept {}
const char* std::exception::what() const noexcept { return "std::exception"; }
[[noreturn]] void std::terminate() noexcept { std::abort(); }
// std::thread (native/deadline.cc) owns a __thread_struct whose destructor would make
// ready the futures set "at thread exit"; the addon uses no futures, so it is never called.
void std::__assoc_sub_state::__make_ready() { std::abort(); }
