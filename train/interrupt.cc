// Graceful interruption of a training run (see interrupt.h). The handler only touches a lock-free
// atomic and calls async-signal-safe functions (write, _exit).
#include "train/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace nitro {
namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

void WriteStderr(const char* text) {
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void OnSignal(int sig) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) {
    WriteStderr(
        "\nnitro: interrupted; finishing the current step and writing a checkpoint (interrupt again to stop at "
        "once)\n");
    return;
  }
  WriteStderr("\nnitro: stopped at once; the last checkpoint written is intact\n");
  ::_exit(128 + sig);
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int InterruptSignal() { return g_signal.load(std::memory_order_relaxed); }

void RequestInterrupt(int signal) { g_signal.store(signal, std::memory_order_relaxed); }

void ClearInterrupt() { g_signal.store(0, std::memory_order_relaxed); }

}  // namespace nitro
