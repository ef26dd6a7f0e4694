// Tests of atomic whole-file writes: content, replacement, relative paths, cleanup after errors.
#include "io/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "io/gzip_file.h"

namespace nitro {
namespace {

std::string TempDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  std::string templ = std::string(d != nullptr ? d : "/tmp") + "/atomic_XXXXXX";
  EXPECT_NE(::mkdtemp(templ.data()), nullptr);
  return templ;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(AtomicFileTest, WritesAndReplaces) {
  const std::string path = TempDir() + "/a.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first version\n").ok());
  EXPECT_EQ(*ReadFileBytes(path), "first version\n");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("x\0y", 3)).ok());
  EXPECT_EQ(*ReadFileBytes(path), std::string("x\0y", 3));
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  EXPECT_EQ(*ReadFileBytes(path), "");
  EXPECT_FALSE(Exists(AtomicTempPath(path)));
}

TEST(AtomicFileTest, LargeContent) {
  const std::string path = TempDir() + "/big.bin";
  std::string content(3 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 131 + (i >> 11));
  ASSERT_TRUE(WriteFileAtomically(path, content).ok());
  EXPECT_EQ(*ReadFileBytes(path), content);
}

TEST(AtomicFileTest, RelativePath) {
  const std::string dir = TempDir();
  char old_cwd[4096];
  ASSERT_NE(::getcwd(old_cwd, sizeof(old_cwd)), nullptr);
  ASSERT_EQ(::chdir(dir.c_str()), 0);
  absl::Status s = WriteFileAtomically("rel.txt", "hello");
  ASSERT_EQ(::chdir(old_cwd), 0);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(*ReadFileBytes(dir + "/rel.txt"), "hello");
}

TEST(AtomicFileTest, TempPathNamesThePid) {
  EXPECT_EQ(AtomicTempPath("/x/y.pb"), "/x/y.pb.tmp." + std::to_string(::getpid()));
}

TEST(AtomicFileTest, ErrorsNameTheFileAndCleanUp) {
  const std::string dir = TempDir();
  absl::Status s = WriteFileAtomically(dir + "/missing/f.txt", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_NE(s.message().find("atomic_file: " + dir + "/missing/f.txt.tmp."), absl::string_view::npos) << s;

  // Renaming a file over a non-empty directory fails; the temp file must not be left behind.
  const std::string target = dir + "/d";
  ASSERT_EQ(::mkdir(target.c_str(), 0755), 0);
  ASSERT_TRUE(WriteFileAtomically(target + "/inner", "keep").ok());
  s = WriteFileAtomically(target, "x");
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(Exists(AtomicTempPath(target)));
  EXPECT_EQ(*ReadFileBytes(target + "/inner"), "keep");

  EXPECT_EQ(WriteFileAtomically("", "x").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nitro
