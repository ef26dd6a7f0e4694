// Tests of whole-file reading with gzip detection, and of every corrupt-stream error.
#include "io/gzip_file.h"

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

std::string Pattern(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 31 + i / 7) & 0xff));
  return s;
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

TEST(GzipFileTest, RoundTrip) {
  for (size_t n : {0, 1, 1000, 300000}) {
    const std::string data = Pattern(n);
    absl::StatusOr<std::string> gz = Gzip(data);
    ASSERT_TRUE(gz.ok());
    EXPECT_TRUE(IsGzip(*gz));
    absl::StatusOr<std::string> back = Gunzip(*gz, "x.gz");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, data);
  }
}

TEST(GzipFileTest, ConcatenatedMembers) {
  const std::string a = Pattern(5000), b = "tail";
  absl::StatusOr<std::string> back = Gunzip(*Gzip(a) + *Gzip(b), "ab.gz");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, a + b);
}

TEST(GzipFileTest, TruncatedStreamIsDataLoss) {
  const std::string gz = *Gzip(Pattern(100000));
  for (size_t keep : {size_t{10}, gz.size() / 2, gz.size() - 1}) {
    absl::StatusOr<std::string> r = Gunzip(gz.substr(0, keep), "cut.gz");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << keep;
    EXPECT_NE(std::string(r.status().message()).find("cut.gz"), std::string::npos);
  }
}

TEST(GzipFileTest, CorruptStreamIsDataLoss) {
  std::string gz = *Gzip(Pattern(100000));
  gz[gz.size() / 2] ^= 0x55;
  gz[gz.size() / 2 + 1] ^= 0x11;
  EXPECT_EQ(Gunzip(gz, "bad.gz").status().code(), absl::StatusCode::kDataLoss);
  std::string crc = *Gzip(Pattern(1000));
  crc[crc.size() - 6] ^= 1;  // the CRC-32 in the trailer
  EXPECT_EQ(Gunzip(crc, "crc.gz").status().code(), absl::StatusCode::kDataLoss);
}

TEST(GzipFileTest, TrailingGarbageIsDataLoss) {
  absl::StatusOr<std::string> r = Gunzip(*Gzip("hello") + "junk", "junk.gz");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
}

TEST(GzipFileTest, ReadMaybeGzippedDetectsByContent) {
  const std::string data = Pattern(4096);
  const std::string plain = WriteTemp("plain.bin", data);
  const std::string packed = WriteTemp("packed.bin", *Gzip(data));
  EXPECT_EQ(*ReadMaybeGzipped(plain), data);
  EXPECT_EQ(*ReadMaybeGzipped(packed), data);
  EXPECT_EQ(*ReadFileBytes(packed), *Gzip(data));
}

TEST(GzipFileTest, MissingFileIsNotFound) {
  absl::StatusOr<std::string> r = ReadMaybeGzipped(::testing::TempDir() + "/no-such-file");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(r.status().message()).find("no-such-file"), std::string::npos);
}

}  // namespace
}  // namespace nitro
