// Console progress of a training run: a throttled one-line bar on a terminal and one summary line per epoch.
#include "train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/numbers.h"

namespace nitro {
namespace {

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProgressReporter::ProgressReporter(std::FILE* out, bool interactive)
    : ProgressReporter(out, interactive, &SteadyMillis) {}

ProgressReporter::ProgressReporter(std::FILE* out, bool interactive, Clock clock)
    : out_(out), interactive_(interactive), clock_(clock ? std::move(clock) : Clock(&SteadyMillis)) {}

bool ProgressReporter::IsTerminal(std::FILE* f) { return f != nullptr && ::isatty(::fileno(f)) == 1; }

std::string ProgressReporter::FormatDuration(int64_t ms) {
  const int64_t s = ms <= 0 ? 0 : (ms + 999) / 1000;
  const int64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
  auto two = [](int64_t v) { return absl::StrCat(v < 10 ? "0" : "", v); };
  if (h > 0) return absl::StrCat(h, ":", two(m), ":", two(sec));
  return absl::StrCat(m, ":", two(sec));
}

std::string ProgressReporter::EpochLabel(int64_t epoch) const {
  return max_epochs_ > 0 ? absl::StrCat("epoch ", epoch, "/", max_epochs_) : absl::StrCat("epoch ", epoch);
}

void ProgressReporter::ClearLine() {
  if (line_width_ == 0) return;
  std::fprintf(out_, "\r%s\r", std::string(line_width_, ' ').c_str());
  line_width_ = 0;
}

void ProgressReporter::StartEpoch(int64_t epoch, int64_t max_epochs, int64_t total_batches) {
  epoch_ = epoch;
  max_epochs_ = max_epochs;
  total_batches_ = total_batches;
  if (interactive_) ClearLine();
  drawn_ = false;
  last_draw_ms_ = clock_();
}

std::string ProgressReporter::RateEtaAccuracy(int64_t batch_done, int64_t images_done, int64_t correct,
                                              int64_t elapsed_ms) const {
  std::string text;
  if (elapsed_ms > 0 && batch_done > 0) {
    const int64_t eta_ms = std::max<int64_t>(total_batches_ - batch_done, 0) * elapsed_ms / batch_done;
    absl::StrAppend(&text, "  ", WithThousands(images_done * 1000 / elapsed_ms), " img/s  ETA ",
                    FormatDuration(eta_ms));
  } else {
    absl::StrAppend(&text, "  - img/s  ETA -:--");
  }
  if (images_done > 0) absl::StrAppend(&text, "  acc ", FormatPercent(correct, images_done), "%");
  return text;
}

void ProgressReporter::DrawBar(int64_t batch_done, const std::string& tail) {
  const int64_t total = std::max<int64_t>(total_batches_, 1);
  const int64_t done = std::clamp<int64_t>(batch_done, 0, total);
  const int64_t filled = done * kBarWidth / total;
  std::string line = absl::StrCat(EpochLabel(epoch_), " [", std::string(filled, '#'),
                                  std::string(kBarWidth - filled, '.'), "] ", batch_done, "/", total_batches_, tail);
  // Pad over the remains of a longer previous line.
  const size_t width = line.size();
  if (width < line_width_) line.append(line_width_ - width, ' ');
  line_width_ = std::max(line_width_, width);
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
}

void ProgressReporter::Update(int64_t batch_done, int64_t images_done, int64_t correct, int64_t elapsed_ms) {
  const int64_t now = clock_();
  if (!interactive_) {
    // A plain line once a minute; none at the end of the epoch, where the summary line follows.
    if (now - last_draw_ms_ < kPlainIntervalMs || batch_done >= total_batches_) return;
    last_draw_ms_ = now;
    std::fprintf(out_, "%s  %lld/%lld batches%s\n", EpochLabel(epoch_).c_str(), static_cast<long long>(batch_done),
                 static_cast<long long>(total_batches_),
                 RateEtaAccuracy(batch_done, images_done, correct, elapsed_ms).c_str());
    std::fflush(out_);
    return;
  }
  if (drawn_ && now - last_draw_ms_ < kRedrawIntervalMs) return;
  drawn_ = true;
  last_draw_ms_ = now;
  DrawBar(batch_done, RateEtaAccuracy(batch_done, images_done, correct, elapsed_ms));
}

void ProgressReporter::EndEpoch(const proto::EpochRecord& r) {
  if (interactive_) ClearLine();
  std::string line = absl::StrCat(EpochLabel(r.epoch()), "  lr_inv ", r.lr_inv());
  if (r.train_total() > 0) absl::StrAppend(&line, "  train ", FormatPercent(r.train_correct(), r.train_total()), "%");
  if (r.block_correct_size() > 0 && r.train_total() > 0) {
    std::vector<std::string> heads;
    for (int64_t c : r.block_correct()) heads.push_back(FormatPercent(c, r.train_total(), 1));
    absl::StrAppend(&line, "  heads ", absl::StrJoin(heads, "/"));
  }
  if (r.val_total() > 0) absl::StrAppend(&line, "  val ", FormatPercent(r.val_correct(), r.val_total()), "%");
  if (r.test_total() > 0) absl::StrAppend(&line, "  test ", FormatPercent(r.test_correct(), r.test_total()), "%");
  const int64_t tenths = (std::max<int64_t>(r.wall_ms(), 0) + 50) / 100;
  absl::StrAppend(&line, "  (", tenths / 10, ".", tenths % 10, " s");
  if (r.wall_ms() > 0) absl::StrAppend(&line, ", ", WithThousands(r.train_total() * 1000 / r.wall_ms()), " img/s");
  line += ")";
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace nitro
