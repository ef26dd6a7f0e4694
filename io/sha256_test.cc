// Tests of SHA-256 against the FIPS 180-4 / NIST example vectors.
#include "io/sha256.h"

#include <string>

#include "gtest/gtest.h"

namespace nitro {
namespace {

TEST(Sha256Test, EmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, Abc) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, TwoBlockMessage) {
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, OneMillionA) {
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t len : {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000}) {
    const std::string msg = data.substr(0, len);
    for (size_t step : {1, 3, 63, 64, 100}) {
      Sha256 h;
      for (size_t i = 0; i < msg.size(); i += step) h.Update(msg.substr(i, step));
      EXPECT_EQ(h.HexDigest(), Sha256Hex(msg)) << "len=" << len << " step=" << step;
    }
  }
}

}  // namespace
}  // namespace nitro
