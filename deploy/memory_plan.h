// Static scratch memory for the generated C: every intermediate value gets a range of a static
// array (one array per element type, so the C never reinterprets memory as another type), and
// two values share addresses only if they are never live at the same time.
#ifndef NITRO_DEPLOY_MEMORY_PLAN_H_
#define NITRO_DEPLOY_MEMORY_PLAN_H_

#include <cstdint>
#include <map>
#include <vector>

#include "graph/dtype.h"

namespace nitro::deploy {

// One buffer: `elements` of `dtype`, written at step `first` and last read at step `last`
// (first <= last). Two buffers whose step ranges intersect are live together, so a step's
// output never shares memory with its inputs.
struct BufferRequest {
  DType dtype = kInt8;
  int64_t elements = 0;
  int first = 0;
  int last = 0;
};

struct MemoryPlan {
  std::vector<int64_t> offsets;            // per request, in elements from the start of its pool
  std::map<DType, int64_t> pool_elements;  // size of each non-empty pool
  // Bytes of all pools together.
  int64_t bytes() const;
};

// Places each request at the lowest offset of its dtype's pool that no live-together buffer
// occupies, the largest buffers first (ties: earlier first step, then request order). For a
// chain of layers this is the ping-pong of two buffers; in general the pools never exceed the sum
// of the buffers, and they are at least the largest set of buffers live at one step.
MemoryPlan PlanBuffers(const std::vector<BufferRequest>& requests);

}  // namespace nitro::deploy

#endif  // NITRO_DEPLOY_MEMORY_PLAN_H_
