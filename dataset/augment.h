// Batch data augmentation of NITRO-D (spec §6.3): random crop with padding, horizontal flip.
#ifndef NITRO_DATASET_AUGMENT_H_
#define NITRO_DATASET_AUGMENT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "graph/random_source.h"
#include "graph/tensor.h"

namespace nitro {

struct AugmentOptions {
  // RandomCrop(size = H x W, padding = crop_padding, p = 0.5). Paper pipelines: MNIST crop 2;
  // Fashion-MNIST crop 2 + flip; CIFAR-10 crop 4 + flip.
  bool crop = false;
  int64_t crop_padding = 0;
  // RandomHorizontalFlip(p = 0.5).
  bool flip = false;
  // false: one decision for the whole batch, as the reference does. true: one decision per
  // image, in image order, with the same draw order per image (not in the reference).
  bool per_sample = false;
};

// Augments an int8 [B, C, H, W] batch in place. Draw order (spec Appendix A), once per batch or,
// with per_sample, once per image:
//   crop: d = Bernoulli(1/2); if d == 1: top = RandInt(0, 2*pad + 1), then
//         left = RandInt(0, 2*pad + 1) (each a Bounded(2*pad) draw); the image is padded by pad
//         on each side of H and W with the minimum of the WHOLE batch tensor (taken before any
//         change) and cropped back to H x W at (top, left):
//         out[y][x] = in[top + y - pad][left + x - pad], or the batch minimum outside the image;
//   flip: d = Bernoulli(1/2); if d == 1 the W axis is reversed.
// InvalidArgument for a batch that is not int8 rank 4 or a negative padding.
absl::Status AugmentBatch(const AugmentOptions& options, RandomSource& rng, Tensor& batch);

}  // namespace nitro

#endif  // NITRO_DATASET_AUGMENT_H_
