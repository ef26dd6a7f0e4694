// Test-only: deterministic, learnable in-memory image data sets, so tests never need downloaded data.
#ifndef NITRO_TESTS_SYNTHETIC_DATA_H_
#define NITRO_TESTS_SYNTHETIC_DATA_H_

#include <cstdint>

#include "dataset/datasets.h"

namespace nitro {

struct SyntheticOptions {
  int64_t n_train = 2000;
  int64_t n_test = 500;
  int64_t c = 1, h = 8, w = 8;
  // Number of classes, 2..10; labels cycle 0, 1, ..., classes - 1.
  int64_t classes = 10;
  // Pixel noise: every pixel gets a uniform integer in [0, noise] added (0..255; sums clip at 255).
  int64_t noise = 60;
  uint64_t seed = 1;
};

// Two splits of uint8 NCHW images. Class k is a bright bar on a dark background: the bar lies in
// row band k / 2 (the image height divided into ceil(classes / 2) bands) and is either one central
// bar (k even) or two bars at the left and right edges (k odd). Every pattern is symmetric under a
// horizontal flip, so flip augmentation keeps the labels right. Background pixels are 16 + noise,
// bar pixels 150 + noise, on every channel; channel ch is additionally shifted by 8 * ch. The
// same options always give the same bytes (a SplitMix64 stream; train and test use separate
// streams). The caller must give h >= ceil(classes / 2) and w >= 4.
DatasetSplits MakeSyntheticData(const SyntheticOptions& options = {});

}  // namespace nitro

#endif  // NITRO_TESTS_SYNTHETIC_DATA_H_
