// The interrupt flag: a first SIGINT / SIGTERM only sets it, a second exits at once.
#include "train/interrupt.h"

#include <signal.h>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(InterruptTest, FirstSignalOnlySetsTheFlag) {
  InstallInterruptHandlers();
  ClearInterrupt();
  EXPECT_FALSE(InterruptRequested());
  ASSERT_EQ(raise(SIGINT), 0);
  EXPECT_TRUE(InterruptRequested());
  EXPECT_EQ(InterruptSignal(), SIGINT);
  ClearInterrupt();
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(InterruptSignal(), SIGTERM);
  ClearInterrupt();
  EXPECT_FALSE(InterruptRequested());
}

TEST(InterruptTest, RequestInterruptActsLikeASignal) {
  ClearInterrupt();
  RequestInterrupt(SIGTERM);
  EXPECT_EQ(InterruptSignal(), SIGTERM);
  ClearInterrupt();
}

TEST(InterruptDeathTest, SecondSignalExitsAtOnce) {
  EXPECT_EXIT(
      {
        InstallInterruptHandlers();
        ClearInterrupt();
        raise(SIGINT);
        raise(SIGINT);
        _exit(0);  // not reached
      },
      ::testing::ExitedWithCode(128 + SIGINT), "stopped at once");
}

}  // namespace
}  // namespace nitro
