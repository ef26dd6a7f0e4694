#include "deploy/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace nitro::deploy {
namespace {

bool LiveTogether(const BufferRequest& a, const BufferRequest& b) { return a.first <= b.last && b.first <= a.last; }

// The lowest offset at which `r` overlaps none of the `placed` buffers that are live with it.
int64_t LowestFreeOffset(const std::vector<BufferRequest>& requests, const std::vector<int>& placed,
                         const std::vector<int64_t>& offsets, int r) {
  std::vector<std::pair<int64_t, int64_t>> taken;  // [begin, end) of live-together buffers
  for (int p : placed) {
    if (LiveTogether(requests[p], requests[r])) taken.push_back({offsets[p], offsets[p] + requests[p].elements});
  }
  std::sort(taken.begin(), taken.end());
  int64_t offset = 0;
  for (const auto& [begin, end] : taken) {
    if (offset + requests[r].elements <= begin) break;  // fits in the gap before this one
    offset = std::max(offset, end);
  }
  return offset;
}

}  // namespace

int64_t MemoryPlan::bytes() const {
  int64_t total = 0;
  for (const auto& [dtype, elements] : pool_elements) total += elements * DTypeSize(dtype);
  return total;
}

MemoryPlan PlanBuffers(const std::vector<BufferRequest>& requests) {
  std::vector<int> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (requests[a].elements != requests[b].elements) return requests[a].elements > requests[b].elements;
    return requests[a].first < requests[b].first;
  });
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::map<DType, std::vector<int>> placed;  // per pool, the requests placed so far
  for (int r : order) {
    std::vector<int>& pool = placed[requests[r].dtype];
    plan.offsets[r] = LowestFreeOffset(requests, pool, plan.offsets, r);
    pool.push_back(r);
    int64_t& size = plan.pool_elements[requests[r].dtype];
    size = std::max(size, plan.offsets[r] + requests[r].elements);
  }
  for (auto it = plan.pool_elements.begin(); it != plan.pool_elements.end();) {
    it = it->second == 0 ? plan.pool_elements.erase(it) : std::next(it);
  }
  return plan;
}

}  // namespace nitro::deploy
