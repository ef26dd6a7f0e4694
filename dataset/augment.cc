// Batch data augmentation of NITRO-D (spec §6.3): random crop with padding, horizontal flip.
#include "dataset/augment.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/shape.h"

namespace nitro {
namespace {

constexpr int64_t kHalf = 500000;  // p = 1/2 in parts per million

// Shifts every H x W plane of images [first, last) so that out[y][x] = in[y + dy][x + dx], with
// `fill` where the source lies outside the plane. dy = top - pad, dx = left - pad.
void ShiftPlanes(int8_t* data, int64_t planes, int64_t h, int64_t w, int64_t dy, int64_t dx, int8_t fill) {
  std::vector<int8_t> tmp(h * w);
  for (int64_t p = 0; p < planes; ++p) {
    int8_t* plane = data + p * h * w;
    for (int64_t y = 0; y < h; ++y) {
      const int64_t sy = y + dy;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sx = x + dx;
        tmp[y * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? plane[sy * w + sx] : fill;
      }
    }
    std::copy(tmp.begin(), tmp.end(), plane);
  }
}

void FlipPlanes(int8_t* data, int64_t planes, int64_t h, int64_t w) {
  for (int64_t r = 0; r < planes * h; ++r) std::reverse(data + r * w, data + (r + 1) * w);
}

// Draws and applies crop then flip to `images` consecutive images starting at `data`.
void AugmentImages(const AugmentOptions& options, RandomSource& rng, int8_t* data, int64_t images, int64_t c, int64_t h,
                   int64_t w, int8_t fill) {
  if (options.crop && rng.Bernoulli(kHalf) == 1) {
    const uint32_t range = static_cast<uint32_t>(2 * options.crop_padding);  // RandInt(0, 2p+1)
    const int64_t top = rng.Bounded(range);
    const int64_t left = rng.Bounded(range);
    if (top != options.crop_padding || left != options.crop_padding) {
      ShiftPlanes(data, images * c, h, w, top - options.crop_padding, left - options.crop_padding, fill);
    }
  }
  if (options.flip && rng.Bernoulli(kHalf) == 1) FlipPlanes(data, images * c, h, w);
}

}  // namespace

absl::Status AugmentBatch(const AugmentOptions& options, RandomSource& rng, Tensor& batch) {
  if (batch.dtype() != kInt8 || batch.rank() != 4) {
    return absl::InvalidArgumentError(absl::StrCat("augment: expected an int8 [B, C, H, W] batch, got ",
                                                   DTypeName(batch.dtype()), " ", ShapeString(batch.shape())));
  }
  if (options.crop && (options.crop_padding < 0 || options.crop_padding > (int64_t{1} << 30))) {
    return absl::InvalidArgumentError(absl::StrCat("augment: invalid crop padding ", options.crop_padding));
  }
  const int64_t b = batch.dim(0), c = batch.dim(1), h = batch.dim(2), w = batch.dim(3);
  int8_t* data = batch.data<int8_t>();
  // The pad value: the minimum of the whole batch (an empty batch still makes its draws).
  const int8_t fill = batch.size() > 0 ? *std::min_element(data, data + batch.size()) : 0;
  if (options.per_sample) {
    for (int64_t i = 0; i < b; ++i) {
      AugmentImages(options, rng, data + i * c * h * w, 1, c, h, w, fill);
    }
  } else {
    AugmentImages(options, rng, data, b, c, h, w, fill);
  }
  return absl::OkStatus();
}

}  // namespace nitro
