// Graceful interruption of a training run: the first SIGINT / SIGTERM asks the trainer to stop
// after its current step (it writes a checkpoint and returns); a second one exits at once. Every
// file the trainer writes is written atomically (io/atomic_file.h), so neither leaves a torn file.
#ifndef NITRO_TRAIN_INTERRUPT_H_
#define NITRO_TRAIN_INTERRUPT_H_

namespace nitro {

// Installs the SIGINT and SIGTERM handlers (idempotent). The first signal sets the flag and
// prints a one-line notice to stderr; the second exits the process with 128 + the signal number.
void InstallInterruptHandlers();
// The signal received since the last ClearInterrupt (0: none). Safe to poll from any thread.
int InterruptSignal();
// True once a stop has been requested (by a signal or RequestInterrupt).
inline bool InterruptRequested() { return InterruptSignal() != 0; }
// Requests a stop as if `signal` had arrived once (for tests and embedders).
void RequestInterrupt(int signal);
// Forgets a request (the next signal is again a "first" one).
void ClearInterrupt();

}  // namespace nitro

#endif  // NITRO_TRAIN_INTERRUPT_H_
