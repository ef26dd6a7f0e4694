#include "deploy/image_file.h"

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nitro::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DecodePnm, BinaryGrayscale) {
  const std::string bytes = std::string("P5\n3 2\n255\n") + std::string("\x00\x10\xff\x7f\x80\x01", 6);
  auto img = DecodePnm(bytes, "a.pgm");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->channels, 1);
  EXPECT_EQ(img->width, 3);
  EXPECT_EQ(img->height, 2);
  EXPECT_THAT(img->pixels, ElementsAre(0x00, 0x10, 0xff, 0x7f, 0x80, 0x01));
}

TEST(DecodePnm, AsciiWithCommentsAndASmallMaxvalIsRescaledToNearest) {
  auto img = DecodePnm("P2\n# a comment\n2 2 # width height\n15\n0 1\n8 15\n", "b.pgm");
  ASSERT_TRUE(img.ok()) << img.status();
  // (v * 255 + 7) / 15: 0, 17, 136, 255.
  EXPECT_THAT(img->pixels, ElementsAre(0, 17, 136, 255));
}

TEST(DecodePnm, ColourBecomesPlanarChannels) {
  auto img = DecodePnm(std::string("P6 2 1 255\n") + "\x01\x02\x03\x04\x05\x06", "c.ppm");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->channels, 3);
  EXPECT_THAT(img->pixels, ElementsAre(1, 4, 2, 5, 3, 6));  // R plane, G plane, B plane
  auto ascii = DecodePnm("P3 1 2 255 10 20 30 40 50 60", "d.ppm");
  ASSERT_TRUE(ascii.ok()) << ascii.status();
  EXPECT_THAT(ascii->pixels, ElementsAre(10, 40, 20, 50, 30, 60));
}

TEST(DecodePnm, RefusesWhatItCannotRead) {
  EXPECT_THAT(DecodePnm("P4 1 1\n", "x").status().message(), HasSubstr("x: not a PGM/PPM file"));
  EXPECT_THAT(DecodePnm("P5 1 1 65535\n\x01\x02", "x").status().message(), HasSubstr("only 8-bit images"));
  EXPECT_THAT(DecodePnm("P5 2 2 255\n\x01", "x").status().message(), HasSubstr("fewer than the 4 pixel bytes"));
  EXPECT_THAT(DecodePnm("P2 2 1 9 3", "x").status().message(), HasSubstr("pixel 1 is missing or above maxval"));
  EXPECT_THAT(DecodePnm("P2 1 1 9 12", "x").status().message(), HasSubstr("pixel 0 is missing or above maxval"));
  EXPECT_THAT(DecodePnm("P5 0 1 255\n", "x").status().message(), HasSubstr("unsupported image size 0x1"));
  EXPECT_THAT(DecodePnm("P5 2", "x").status().message(), HasSubstr("truncated PNM header"));
}

// ---- PNG -----------------------------------------------------------------------------------

void Put32(std::string* s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s->push_back(static_cast<char>((v >> shift) & 0xff));
}

void Chunk(std::string* png, const std::string& type, const std::string& data) {
  Put32(png, static_cast<uint32_t>(data.size()));
  const std::string body = type + data;
  png->append(body);
  Put32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

int Paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

// A PNG of interleaved pixels `raw` (rows of width * channels bytes), row y filtered with
// filters[y % filters.size()].
std::string EncodePng(int width, int height, int color, const std::vector<uint8_t>& raw, std::vector<int> filters,
                      int depth = 8) {
  const int bpp = color == 2 ? 3 : 1, stride = width * bpp;
  std::string scan;
  for (int y = 0; y < height; ++y) {
    const int f = filters[y % filters.size()];
    scan.push_back(static_cast<char>(f));
    for (int x = 0; x < stride; ++x) {
      const int a = x >= bpp ? raw[y * stride + x - bpp] : 0, b = y > 0 ? raw[(y - 1) * stride + x] : 0;
      const int c = (y > 0 && x >= bpp) ? raw[(y - 1) * stride + x - bpp] : 0;
      const int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : Paeth(a, b, c);
      scan.push_back(static_cast<char>(raw[y * stride + x] - pred));
    }
  }
  uLongf size = compressBound(scan.size());
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(&z[0]), &size, reinterpret_cast<const Bytef*>(scan.data()), scan.size());
  z.resize(size);
  std::string png("\x89PNG\r\n\x1a\n", 8), ihdr;
  Put32(&ihdr, width);
  Put32(&ihdr, height);
  ihdr += std::string{static_cast<char>(depth), static_cast<char>(color), 0, 0, 0};
  Chunk(&png, "IHDR", ihdr);
  Chunk(&png, "IDAT", z.substr(0, z.size() / 2));  // split over two IDAT chunks
  Chunk(&png, "IDAT", z.substr(z.size() / 2));
  Chunk(&png, "IEND", "");
  return png;
}

std::vector<uint8_t> Ramp(int n) {
  std::vector<uint8_t> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<uint8_t>((i * 37 + (i / 5) * 11) & 0xff);
  return v;
}

TEST(DecodePng, GrayscaleThroughEveryFilterType) {
  const std::vector<uint8_t> raw = Ramp(5 * 6);
  auto img = DecodePng(EncodePng(5, 6, 0, raw, {0, 1, 2, 3, 4, 4}), "g.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->channels, 1);
  EXPECT_EQ(img->width, 5);
  EXPECT_EQ(img->height, 6);
  EXPECT_EQ(img->pixels, raw);
}

TEST(DecodePng, RgbBecomesPlanarChannels) {
  const std::vector<uint8_t> raw = Ramp(4 * 3 * 3);
  auto img = DecodePng(EncodePng(4, 3, 2, raw, {4, 3, 1}), "c.png");
  ASSERT_TRUE(img.ok()) << img.status();
  EXPECT_EQ(img->channels, 3);
  for (int i = 0; i < 12; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(img->pixels[c * 12 + i], raw[i * 3 + c]);
  }
}

TEST(DecodePng, RefusesCorruptAndUnsupportedFiles) {
  std::string png = EncodePng(2, 2, 0, Ramp(4), {0});
  std::string bad_crc = png;
  bad_crc[8 + 8 + 3] ^= 1;  // a byte of IHDR's data
  EXPECT_THAT(DecodePng(bad_crc, "x.png").status().message(), HasSubstr("x.png: PNG chunk IHDR fails its CRC"));
  EXPECT_THAT(DecodePng(png.substr(0, 40), "x.png").status().message(), HasSubstr("truncated PNG"));
  EXPECT_THAT(DecodePng("GIF89a", "x.png").status().message(), HasSubstr("not a PNG file"));
  EXPECT_THAT(DecodePng(EncodePng(2, 2, 6, Ramp(16), {0}), "a.png").status().message(),
              HasSubstr("colour type 6, interlace 0: save it as 8-bit grayscale or RGB"));
  EXPECT_THAT(DecodePng(EncodePng(2, 2, 0, Ramp(4), {0}, 16), "d.png").status().message(), HasSubstr("bit depth 16"));
  EXPECT_THAT(DecodePng(EncodePng(2, 2, 0, Ramp(4), {7}), "f.png").status().message(),
              HasSubstr("row 0 has an unknown PNG filter 7"));
}

TEST(ReadImageFile, MissingFileIsNotFound) {
  EXPECT_EQ(ReadImageFile("/nonexistent/x.png").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace nitro::deploy
