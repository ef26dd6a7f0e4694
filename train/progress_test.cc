// Tests of the console progress reporter with an in-memory stream and a fake clock.
#include "train/progress.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

// A FILE* writing to memory; Text() returns everything written so far.
class MemoryFile {
 public:
  MemoryFile() : file_(::open_memstream(&buf_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(buf_);
  }
  std::FILE* get() { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

proto::EpochRecord Record() {
  proto::EpochRecord r;
  r.set_epoch(3);
  r.set_lr_inv(512);
  r.set_train_correct(55872);
  r.set_train_total(60000);  // 93.12%
  r.set_test_correct(9501);
  r.set_test_total(10000);
  r.set_wall_ms(4100);  // 14,634 img/s
  return r;
}

TEST(ProgressTest, Helpers) {
  EXPECT_EQ(ProgressReporter::FormatDuration(0), "0:00");
  EXPECT_EQ(ProgressReporter::FormatDuration(3001), "0:04");
  EXPECT_EQ(ProgressReporter::FormatDuration(754000), "12:34");
  EXPECT_EQ(ProgressReporter::FormatDuration(3723000), "1:02:03");
}

TEST(ProgressTest, NonInteractiveIsQuietWithinAMinute) {
  MemoryFile out;
  ProgressReporter p(out.get(), false, [] { return int64_t{0}; });
  p.StartEpoch(3, 150, 937);
  for (int b = 1; b <= 937; ++b) p.Update(b, b * 64, b * 60, b * 4);
  EXPECT_EQ(out.Text(), "");
  p.EndEpoch(Record());
  EXPECT_EQ(out.Text(), "epoch 3/150  lr_inv 512  train 93.12%  test 95.01%  (4.1 s, 14,634 img/s)\n");
}

TEST(ProgressTest, NonInteractivePrintsAPlainLineEveryMinute) {
  MemoryFile out;
  int64_t now = 1000;
  ProgressReporter p(out.get(), false, [&now] { return now; });
  p.StartEpoch(2, 10, 300);
  // One batch every 500 ms of the clock; the trainer's own elapsed time is 400 ms per batch.
  for (int b = 1; b <= 300; ++b) {
    now += 500;
    p.Update(b, b * 64, b * 32, b * 400);
  }
  // At 60 s (batch 120) and 120 s (batch 240); nothing at the last batch, where the summary follows.
  EXPECT_EQ(out.Text(),
            "epoch 2/10  120/300 batches  160 img/s  ETA 1:12  acc 50.00%\n"
            "epoch 2/10  240/300 batches  160 img/s  ETA 0:24  acc 50.00%\n");
  p.StartEpoch(3, 10, 300);  // the interval restarts with each epoch
  now += 59999;
  p.Update(1, 64, 64, 400);
  const std::string two_lines = out.Text();
  EXPECT_EQ(std::count(two_lines.begin(), two_lines.end(), '\n'), 2);
  now += 1;
  p.Update(2, 128, 64, 800);
  EXPECT_TRUE(absl::EndsWith(out.Text(), "epoch 3/10  2/300 batches  160 img/s  ETA 2:00  acc 50.00%\n")) << out.Text();
}

TEST(ProgressTest, SummaryWithValAndHeads) {
  MemoryFile out;
  ProgressReporter p(out.get(), false);
  p.StartEpoch(7, 20, 10);
  proto::EpochRecord r = Record();
  r.set_epoch(7);
  r.add_block_correct(42060);  // 70.1%
  r.add_block_correct(31200);  // 52.0%
  r.set_val_correct(47);
  r.set_val_total(50);
  r.clear_test_total();
  r.set_wall_ms(12345);
  p.EndEpoch(r);
  EXPECT_EQ(out.Text(), "epoch 7/20  lr_inv 512  train 93.12%  heads 70.1/52.0  val 94.00%  (12.3 s, 4,860 img/s)\n");
}

TEST(ProgressTest, SummaryWithoutStartOrTime) {
  MemoryFile out;
  ProgressReporter p(out.get(), true);
  proto::EpochRecord r;
  r.set_epoch(1);
  r.set_lr_inv(64);
  p.EndEpoch(r);
  EXPECT_EQ(out.Text(), "epoch 1  lr_inv 64  (0.0 s)\n");
}

TEST(ProgressTest, InteractiveRedrawsAtMostTenTimesASecond) {
  MemoryFile out;
  int64_t now = 1000;
  ProgressReporter p(out.get(), true, [&now] { return now; });
  p.StartEpoch(3, 150, 937);
  // 937 batches, one every 5 ms of clock: 4.685 s -> a draw every 100 ms.
  for (int b = 1; b <= 937; ++b) {
    now += 5;
    p.Update(b, b * 64, b * 60, b * 5);
  }
  const std::string text = out.Text();
  const int draws = static_cast<int>(std::count(text.begin(), text.end(), '\r'));
  EXPECT_GE(draws, 46);
  EXPECT_LE(draws, 48);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  // The first draw happens at once.
  EXPECT_TRUE(absl::StartsWith(text, "\repoch 3/150 [....................] 1/937  12,800 img/s  ETA 0:05  acc 93.75%"))
      << text;
}

TEST(ProgressTest, InteractiveLine) {
  MemoryFile out;
  int64_t now = 0;
  ProgressReporter p(out.get(), true, [&now] { return now; });
  p.StartEpoch(3, 150, 937);
  // 412 batches of 64 images in 504 ms: 52,317 img/s, 525 batches left -> 642 ms -> "0:01".
  p.Update(412, 412 * 64, 24554, 504);
  EXPECT_EQ(out.Text(), "\repoch 3/150 [########............] 412/937  52,317 img/s  ETA 0:01  acc 93.12%");
  // Too soon: nothing new.
  now += 50;
  p.Update(413, 413 * 64, 24600, 505);
  EXPECT_EQ(out.Text().size(),
            std::string("\repoch 3/150 [########............] 412/937  52,317 img/s  ETA 0:01  acc 93.12%").size());
  // A shorter line is padded over the longer one.
  now += 50;
  p.Update(414, 0, 0, 0);
  const std::string text = out.Text();
  const std::string last = text.substr(text.rfind('\r'));
  EXPECT_EQ(last, "\repoch 3/150 [########............] 414/937  - img/s  ETA -:--" + std::string(17, ' '));
  // EndEpoch clears the bar before the summary.
  p.EndEpoch(Record());
  const std::string all = out.Text();
  EXPECT_TRUE(absl::EndsWith(all, "\r" + std::string(78, ' ') +
                                      "\repoch 3/150  lr_inv 512  train 93.12%  test 95.01%  (4.1 s, 14,634 img/s)\n"))
      << all;
}

TEST(ProgressTest, IsTerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(ProgressReporter::IsTerminal(f));
  std::fclose(f);
  EXPECT_FALSE(ProgressReporter::IsTerminal(nullptr));
}

}  // namespace
}  // namespace nitro
