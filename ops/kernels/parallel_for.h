// The kernels' one way to split work over threads: tbb::parallel_for over a blocked range of
// int64 indices, with the fork and the join told to ThreadSanitizer (base/tsan.h). TBB is an
// uninstrumented Debian library, so TSan cannot see that the caller's writes before the call are
// visible in every body, nor that the bodies' writes are visible after it; the two tokens say so.
// Each kernel gives every output element to exactly one body, so results do not depend on how TBB
// splits the range or on the thread count.
#ifndef NITRO_OPS_KERNELS_PARALLEL_FOR_H_
#define NITRO_OPS_KERNELS_PARALLEL_FOR_H_

#include <cstdint>

#include "base/tsan.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace nitro::kernels {

using IndexRange = tbb::blocked_range<int64_t>;

// body(const IndexRange&) for the pieces of range, in the calling task arena.
template <typename Body>
void ParallelFor(const IndexRange& range, const Body& body) {
  TsanHappensBefore(&tsan_fork_token);
  tbb::parallel_for(range, [&body](const IndexRange& r) {
    TsanHappensAfter(&tsan_fork_token);  // before the first read of a capture
    body(r);
    TsanHappensBefore(&tsan_join_token);
  });
  TsanHappensAfter(&tsan_join_token);
}

}  // namespace nitro::kernels

#endif  // NITRO_OPS_KERNELS_PARALLEL_FOR_H_
