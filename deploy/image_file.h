// Reading 8-bit images for `nitro predict`: binary and ASCII PGM (P5, P2) and PPM (P6, P3), and
// PNG (8-bit grayscale or RGB, not interlaced; inflated with zlib), as planar C x H x W bytes,
// the layout of the data sets (dataset/datasets.h).
#ifndef NITRO_DEPLOY_IMAGE_FILE_H_
#define NITRO_DEPLOY_IMAGE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nitro::deploy {

struct Image {
  int64_t channels = 0, height = 0, width = 0;  // 1 (gray) or 3 (R, G, B)
  std::vector<uint8_t> pixels;                  // channels x height x width, row-major
};

// Decodes a PGM/PPM file's bytes. A maxval below 255 is rescaled to 0..255, rounding to nearest
// (v * 255 + maxval / 2) / maxval; maxvals above 255 (16-bit) are refused. `name` is used in errors.
absl::StatusOr<Image> DecodePnm(absl::string_view bytes, absl::string_view name);

// Decodes a PNG file's bytes: 8-bit grayscale (colour type 0) or RGB (type 2), no interlace;
// every chunk's CRC is checked. Palette, alpha and 16-bit images are refused with a message.
absl::StatusOr<Image> DecodePng(absl::string_view bytes, absl::string_view name);

// Reads a file and decodes it by its content (PNG signature, else a PNM magic "P2".."P6").
absl::StatusOr<Image> ReadImageFile(const std::string& path);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_IMAGE_FILE_H_
