// Console progress of a training run: a throttled one-line bar on a terminal and one summary line per epoch.
#ifndef NITRO_TRAIN_PROGRESS_H_
#define NITRO_TRAIN_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "proto/checkpoint.pb.h"

namespace nitro {

// Prints to `out` (not owned). Interactive mode (a terminal) redraws one line with '\r' during an
// epoch, at most every kRedrawIntervalMs of the clock:
//   epoch 3/150 [########............] 412/937  52,311 img/s  ETA 0:04  acc 93.12%
// Non-interactive mode (a log file, a pipe) prints a plain line at most every kPlainIntervalMs
// (a minute) of the clock, so that a long epoch shows progress in a log too:
//   epoch 3/150  412/937 batches  52,311 img/s  ETA 0:04  acc 93.12%
// Both modes print one line per finished epoch:
//   epoch 3/150  lr_inv 512  train 93.12%  heads 70.1/52.0  val 94.00%  test 95.01%  (4.1 s, 52,311 img/s)
// (heads: each block's local-head accuracy; heads, val and test appear only when present).
// Rates and ETAs are integer arithmetic on the caller's elapsed milliseconds.
class ProgressReporter {
 public:
  // Milliseconds from a monotonic clock; only differences matter.
  using Clock = std::function<int64_t()>;
  static constexpr int64_t kRedrawIntervalMs = 100;
  static constexpr int64_t kPlainIntervalMs = 60000;
  static constexpr int kBarWidth = 20;

  ProgressReporter(std::FILE* out, bool interactive);
  // As above with an injected clock (tests); the default reads std::chrono::steady_clock.
  ProgressReporter(std::FILE* out, bool interactive, Clock clock);

  // Begins epoch `epoch` (1-based) of `max_epochs`, which will run `total_batches` batches.
  void StartEpoch(int64_t epoch, int64_t max_epochs, int64_t total_batches);
  // After each batch: batches and images done so far in this epoch, correct predictions among
  // those images, training milliseconds since the epoch started.
  void Update(int64_t batch_done, int64_t images_done, int64_t correct, int64_t elapsed_ms);
  // Clears the bar (interactive) and prints the epoch's summary line.
  void EndEpoch(const proto::EpochRecord& record);

  // Whether `f` is a terminal (isatty on its descriptor).
  static bool IsTerminal(std::FILE* f);

  // "0:04", "12:34", "1:02:03" from milliseconds (rounded up to whole seconds); shared with tests.
  static std::string FormatDuration(int64_t ms);

 private:
  std::string EpochLabel(int64_t epoch) const;
  // "  52,311 img/s  ETA 0:04  acc 93.12%" for both modes.
  std::string RateEtaAccuracy(int64_t batch_done, int64_t images_done, int64_t correct, int64_t elapsed_ms) const;
  void DrawBar(int64_t batch_done, const std::string& tail);
  void ClearLine();

  std::FILE* out_;
  bool interactive_;
  Clock clock_;
  int64_t epoch_ = 0;
  int64_t max_epochs_ = 0;
  int64_t total_batches_ = 0;
  bool drawn_ = false;        // a bar was drawn in this epoch
  int64_t last_draw_ms_ = 0;  // clock time of that drawing (interactive), or of the epoch's start or
                              // the last plain line (non-interactive)
  size_t line_width_ = 0;     // characters of the bar on screen
};

}  // namespace nitro

#endif  // NITRO_TRAIN_PROGRESS_H_
