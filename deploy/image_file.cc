#include "deploy/image_file.h"

#include <zlib.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "graph/status_macros.h"

namespace nitro::deploy {
namespace {

constexpr int64_t kMaxSide = 4096;  // and so at most 48 MiB of pixels

absl::Status Bad(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
}

// Interleaved rows (pixel by pixel, `channels` bytes each) -> planar channels.
std::vector<uint8_t> Planar(const std::vector<uint8_t>& interleaved, int64_t channels, int64_t plane) {
  std::vector<uint8_t> out(interleaved.size());
  for (int64_t i = 0; i < plane; ++i) {
    for (int64_t c = 0; c < channels; ++c) out[c * plane + i] = interleaved[i * channels + c];
  }
  return out;
}

// The PNM header tokens: whitespace-separated decimal numbers, '#' comments to the end of a line.
class PnmReader {
 public:
  explicit PnmReader(absl::string_view bytes) : b_(bytes) {}
  bool Number(int64_t* v) {
    for (;;) {
      while (pos_ < b_.size() && std::isspace(static_cast<unsigned char>(b_[pos_]))) ++pos_;
      if (pos_ < b_.size() && b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n') ++pos_;
        continue;
      }
      break;
    }
    int64_t n = 0;
    size_t start = pos_;
    while (pos_ < b_.size() && std::isdigit(static_cast<unsigned char>(b_[pos_])) && n <= (int64_t{1} << 40)) {
      n = n * 10 + (b_[pos_++] - '0');
    }
    *v = n;
    return pos_ > start;
  }
  size_t pos() const { return pos_; }

 private:
  absl::string_view b_;
  size_t pos_ = 2;  // after the magic
};

}  // namespace

absl::StatusOr<Image> DecodePnm(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < 2 || bytes[0] != 'P' ||
      (bytes[1] != '2' && bytes[1] != '3' && bytes[1] != '5' && bytes[1] != '6')) {
    return Bad(name, "not a PGM/PPM file (magic P2, P3, P5 or P6)");
  }
  const bool ascii = bytes[1] == '2' || bytes[1] == '3';
  Image img;
  img.channels = (bytes[1] == '3' || bytes[1] == '6') ? 3 : 1;
  PnmReader r(bytes);
  int64_t maxval = 0;
  if (!r.Number(&img.width) || !r.Number(&img.height) || !r.Number(&maxval)) return Bad(name, "truncated PNM header");
  if (img.width <= 0 || img.height <= 0 || img.width > kMaxSide || img.height > kMaxSide) {
    return Bad(name, absl::StrCat("unsupported image size ", img.width, "x", img.height));
  }
  if (maxval <= 0 || maxval > 255) return Bad(name, absl::StrCat("maxval ", maxval, ": only 8-bit images (<= 255)"));
  const int64_t n = img.channels * img.height * img.width;
  std::vector<uint8_t> values(n);
  if (ascii) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = 0;
      if (!r.Number(&v) || v > maxval) return Bad(name, absl::StrCat("pixel ", i, " is missing or above maxval"));
      values[i] = static_cast<uint8_t>(v);
    }
  } else {
    const size_t start = r.pos() + 1;  // exactly one whitespace byte after maxval
    if (bytes.size() < start + n) return Bad(name, absl::StrCat("holds fewer than the ", n, " pixel bytes"));
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<uint8_t>(bytes[start + i]);
  }
  for (auto& v : values) {
    if (v > maxval) return Bad(name, "a pixel is above maxval");
    v = static_cast<uint8_t>((v * 255 + maxval / 2) / maxval);
  }
  img.pixels = Planar(values, img.channels, img.height * img.width);
  return img;
}

namespace {

uint32_t BigEndian32(absl::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) | (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(b[at + 3])};
}

int Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p, pc = p > c ? p - c : c - p;
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

// Reverses the PNG scanline filters in place: rows of 1 filter byte + `stride` bytes; `bpp` bytes
// per pixel. Returns the pixels without the filter bytes.
absl::StatusOr<std::vector<uint8_t>> Unfilter(std::vector<uint8_t>& raw, int64_t rows, int64_t stride, int64_t bpp,
                                              absl::string_view name) {
  std::vector<uint8_t> out(rows * stride);
  for (int64_t y = 0; y < rows; ++y) {
    const int filter = raw[y * (stride + 1)];
    const uint8_t* in = raw.data() + y * (stride + 1) + 1;
    uint8_t* row = out.data() + y * stride;
    const uint8_t* up = y > 0 ? row - stride : nullptr;
    if (filter > 4) return Bad(name, absl::StrCat("row ", y, " has an unknown PNG filter ", filter));
    for (int64_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0, c = (up && x >= bpp) ? up[x - bpp] : 0;
      const int pred = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : Paeth(a, b, c);
      row[x] = static_cast<uint8_t>(in[x] + pred);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Image> DecodePng(absl::string_view b, absl::string_view name) {
  static constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";
  if (b.size() < 8 || b.substr(0, 8) != absl::string_view(kSignature, 8)) return Bad(name, "not a PNG file");
  Image img;
  std::string idat;
  int depth = 0, color = -1, interlace = 0;
  bool ended = false;
  for (size_t at = 8; !ended;) {
    if (at + 12 > b.size()) return Bad(name, "truncated PNG (no IEND chunk)");
    const uint32_t len = BigEndian32(b, at);
    if (len > b.size() - at - 12) return Bad(name, "truncated PNG chunk");
    const absl::string_view type = b.substr(at + 4, 4), data = b.substr(at + 8, len);
    const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(b.data() + at + 4), len + 4);
    if (crc != BigEndian32(b, at + 8 + len)) return Bad(name, absl::StrCat("PNG chunk ", type, " fails its CRC"));
    if (type == "IHDR" && len >= 13) {
      img.width = BigEndian32(data, 0);
      img.height = BigEndian32(data, 4);
      depth = static_cast<uint8_t>(data[8]);
      color = static_cast<uint8_t>(data[9]);
      interlace = static_cast<uint8_t>(data[12]);
    } else if (type == "IDAT") {
      idat.append(data.data(), data.size());
    }
    ended = type == "IEND";
    at += 12 + len;
  }
  if (img.width <= 0 || img.height <= 0 || img.width > kMaxSide || img.height > kMaxSide) {
    return Bad(name, absl::StrCat("unsupported PNG size ", img.width, "x", img.height));
  }
  if (depth != 8 || (color != 0 && color != 2) || interlace != 0) {
    return Bad(name, absl::StrCat("PNG with bit depth ", depth, ", colour type ", color, ", interlace ", interlace,
                                  ": save it as 8-bit grayscale or RGB without alpha or interlacing"));
  }
  img.channels = color == 2 ? 3 : 1;
  const int64_t stride = img.width * img.channels;
  std::vector<uint8_t> raw(img.height * (stride + 1));
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      size != raw.size()) {
    return Bad(name, "corrupt PNG image data (zlib)");
  }
  ASSIGN_OR_RETURN(std::vector<uint8_t> pixels, Unfilter(raw, img.height, stride, img.channels, name));
  img.pixels = Planar(pixels, img.channels, img.height * img.width);
  return img;
}

absl::StatusOr<Image> ReadImageFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the image file"));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() >= 8 && bytes.compare(0, 4, "\x89PNG") == 0) return DecodePng(bytes, path);
  return DecodePnm(bytes, path);
}

}  // namespace nitro::deploy
