// Two holders of one run directory: the second is refused with a clear error, until the first lets go.
#include "train/run_lock.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

std::string TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  const std::string dir = absl::StrCat(base ? base : "/tmp", "/run_lock_test_", getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(RunDirLockTest, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  const std::string dir = TempDir();
  auto first = RunDirLock::Acquire(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = RunDirLock::Acquire(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string msg(second.status().message());
  EXPECT_TRUE(absl::StrContains(msg, absl::StrCat(dir, " is in use by another nitro train (pid ", getpid()))) << msg;
  EXPECT_TRUE(absl::StrContains(msg, "another --out")) << msg;
  first->reset();
  auto third = RunDirLock::Acquire(dir);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST(RunDirLockTest, ForkedProcessIsRefused) {
  const std::string dir = TempDir() + "_fork";
  std::filesystem::create_directories(dir);
  auto held = RunDirLock::Acquire(dir);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EXIT(
      {
        auto other = RunDirLock::Acquire(dir);
        _exit(!other.ok() && other.status().code() == absl::StatusCode::kFailedPrecondition ? 3 : 4);
      },
      ::testing::ExitedWithCode(3), "");
}

TEST(RunDirLockTest, MissingDirectoryIsAnError) {
  auto lock = RunDirLock::Acquire("/nonexistent/nitro/run");
  ASSERT_FALSE(lock.ok());
  EXPECT_TRUE(absl::StrContains(lock.status().message(), "/nonexistent/nitro/run/.lock")) << lock.status();
}

}  // namespace
}  // namespace nitro
