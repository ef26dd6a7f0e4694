// Bit-exact graph rewrites of a conv block: its backward chain MaxPool2DGrad → NitroReluGrad →
// Conv2DWeightGrad (below its max-pool head) becomes one sparse ConvBlockGrad node, and its
// forward chain Conv2D → Scale → NitroRelu becomes one ConvScaleRelu node, so neither the
// full-resolution int32 deltas nor a whole batch's int32 accumulator is ever stored.
#ifndef NITRO_PASSES_FUSE_CONV_BLOCK_H_
#define NITRO_PASSES_FUSE_CONV_BLOCK_H_

#include "proto/nitro.pb.h"

namespace nitro {

// Rewrites `model` in place and returns the number of chains fused. A chain qualifies when each
// intermediate delta has exactly one consumer (the next op of the chain) and is neither a model
// output nor a parameter update; anything else is left as it is.
int FuseConvBlockGrads(proto::Model* model);

// Rewrites every chain Conv2D → Scale → NitroRelu whose int32 accumulator has no other consumer
// into one ConvScaleRelu node (outputs: the Scale result and the activation, under their original
// names), so the accumulator is never stored. Apply it to a derived training graph after
// FuseConvBlockGrads. Returns the number of chains fused.
int FuseConvBlockForwards(proto::Model* model);

// Moves every MaxPool2D that reads a ConvScaleRelu's activation a into that node, as a trailing
// pooled output under the pool's output name (its kernel and pad appended to pool_kernels and
// pool_pads), so each plane of a is pooled while it is in cache instead of read back from memory.
// Apply it after FuseConvBlockForwards; nitro applies it to the training graph only (the C export
// and the inference graph keep their pools as MaxPool2D nodes). Returns the number of pools moved.
int FuseConvBlockPools(proto::Model* model);

}  // namespace nitro

#endif  // NITRO_PASSES_FUSE_CONV_BLOCK_H_
