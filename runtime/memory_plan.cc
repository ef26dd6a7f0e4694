#include "runtime/memory_plan.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "graph/tensor.h"

namespace nitro {

namespace {

constexpr int64_t kAlignment = 64;  // Tensor's buffer alignment: buffers are sized in whole lines

using Preds = std::vector<std::vector<int>>;  // per node: the nodes that must finish before it
using Bits = std::vector<uint64_t>;           // a set of node indices

int64_t AlignedBytes(const ValueInfo& v) {
  const int64_t bytes = Tensor::ByteSize(v.type.dtype, v.type.shape).value_or(0);
  return std::max<int64_t>(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment);
}

bool Has(const Bits& bits, int i) { return (bits[i / 64] >> (i % 64)) & 1; }

// The producers of each node's inputs, and the previous stochastic node for a stochastic one.
Preds DataPreds(const Graph& graph) {
  const int n = static_cast<int>(graph.nodes().size());
  Preds preds(n);
  int last_stochastic = -1;
  for (int i = 0; i < n; ++i) {
    for (const auto& in : graph.nodes()[i].in()) {
      const ValueInfo& v = graph.value(in);
      if (v.kind == ValueKind::kNodeOutput) preds[i].push_back(v.producer);
    }
    if (graph.op(i).stochastic()) {
      if (last_stochastic >= 0) preds[i].push_back(last_stochastic);
      last_stochastic = i;
    }
  }
  return preds;
}

// A topological order of `preds` (Kahn's algorithm), taking among the ready nodes the one of
// least rank, then least index. Empty if `preds` has a cycle.
std::vector<int> RankedOrder(const Preds& preds, const std::vector<int>& rank) {
  const int n = static_cast<int>(preds.size());
  std::vector<std::vector<int>> succs(n);
  std::vector<int> waiting(n, 0);
  for (int i = 0; i < n; ++i) {
    for (int p : preds[i]) {
      succs[p].push_back(i);
      ++waiting[i];
    }
  }
  using Key = std::pair<int, int>;  // (rank, index)
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready;
  for (int i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push({rank[i], i});
  }
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    const int i = ready.top().second;
    ready.pop();
    order.push_back(i);
    for (int s : succs[i]) {
      if (--waiting[s] == 0) ready.push({rank[s], s});
    }
  }
  if (static_cast<int>(order.size()) != n) order.clear();
  return order;
}

// Strict ancestors of every node under `preds`, given a topological `order` of them.
std::vector<Bits> Ancestors(const Preds& preds, const std::vector<int>& order) {
  const int n = static_cast<int>(preds.size());
  const int words = (n + 63) / 64;
  std::vector<Bits> anc(n, Bits(words, 0));
  for (int i : order) {
    for (int p : preds[i]) {
      anc[i][p / 64] |= uint64_t{1} << (p % 64);
      for (int w = 0; w < words; ++w) anc[i][w] |= anc[p][w];
    }
  }
  return anc;
}

// Each node's block as its position among the model's blocks; a node outside every block takes
// the rank of the node before it, so that it is scheduled with its neighbours.
std::vector<int> BlockRanks(const Graph& graph) {
  absl::flat_hash_map<std::string, int> block_rank;
  for (const auto& b : graph.model().block()) block_rank.emplace(b.name(), static_cast<int>(block_rank.size()));
  std::vector<int> rank(graph.nodes().size(), 0);
  int current = 0;
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    auto it = block_rank.find(graph.nodes()[i].block());
    if (it != block_rank.end()) current = it->second;
    rank[i] = current;
  }
  return rank;
}

// The nodes whose end closes a value's lifetime: its readers, or its producer if none reads it.
std::vector<int> LastUsers(const ValueInfo& v) {
  if (v.consumers.empty()) return {v.producer};
  return v.consumers;
}

// The in-place update chain of parameter `param` whose committed value is `final`: the values
// from `final` back to (not including) the parameter, each produced by an UpdatesInPlace op from
// input 0. Empty if the chain breaks.
std::vector<const ValueInfo*> UpdateChain(const Graph& graph, const std::string& param, const std::string& final) {
  std::vector<const ValueInfo*> chain;
  const ValueInfo* v = graph.FindValue(final);
  while (v != nullptr && v->kind == ValueKind::kNodeOutput && v->output_index == 0 &&
         graph.op(v->producer).updates_in_place()) {
    chain.push_back(v);
    const std::string& from = graph.nodes()[v->producer].in(0);
    if (from == param) return chain;
    v = graph.FindValue(from);
  }
  return {};
}

// Makes every update chain that can be in place so: records in_place_of and adds to `preds` the
// edges that make each chain input's other readers finish before the op that overwrites it. A
// chain whose edges would close a cycle (a reader that depends on the update) stays out of place.
void PlanInPlaceUpdates(const Graph& graph, const std::vector<int>& rank, Preds& preds, MemoryPlan& plan,
                        const absl::flat_hash_map<std::string, int>& index) {
  for (const auto& u : graph.model().update()) {
    std::vector<const ValueInfo*> chain = UpdateChain(graph, u.param(), u.value());
    if (chain.empty()) continue;
    Preds trial = preds;
    for (const ValueInfo* v : chain) {
      const ValueInfo& input = graph.value(graph.nodes()[v->producer].in(0));
      for (int reader : input.consumers) {
        if (reader != v->producer) trial[v->producer].push_back(reader);
      }
    }
    if (RankedOrder(trial, rank).empty()) continue;
    preds = std::move(trial);
    for (const ValueInfo* v : chain) plan.in_place_of[index.at(v->name)] = index.at(u.param());
  }
}

// Whether the nodes that last use `v` all run before schedule position `t`; `*needs_edges` is
// set if some of them are not already ancestors of `producer`.
bool FreeBefore(const ValueInfo& v, int t, int producer, const std::vector<int>& pos, const std::vector<Bits>& anc,
                bool* needs_edges) {
  *needs_edges = false;
  for (int u : LastUsers(v)) {
    if (pos[u] >= t) return false;
    if (!Has(anc[producer], u)) *needs_edges = true;
  }
  return true;
}

// Sorts the values into those with a buffer of their own, those updated in place and the
// shareable ones, adding their bytes to `plan`. Returns the shareable values (indices into
// value_names()) in schedule order of their producers.
std::vector<int> ShareableValues(const Graph& graph, const absl::flat_hash_set<std::string>& keep,
                                 const std::vector<int>& pos, MemoryPlan& plan) {
  const auto& names = graph.value_names();
  absl::flat_hash_set<std::string> pinned(keep.begin(), keep.end());
  for (const auto& o : graph.model().output()) pinned.insert(o);
  for (const auto& u : graph.model().update()) pinned.insert(u.value());
  std::vector<int> shareable;
  for (size_t i = 0; i < names.size(); ++i) {
    const ValueInfo& v = graph.value(names[i]);
    const int64_t bytes = AlignedBytes(v);
    if (plan.in_place_of[i] >= 0) {
      plan.in_place_bytes += bytes;
    } else if (v.kind != ValueKind::kNodeOutput) {
      plan.own_bytes += bytes;
      plan.input_param_bytes += bytes;
    } else if (pinned.contains(names[i])) {
      plan.own_bytes += bytes;
    } else {
      plan.shared_value_bytes += bytes;
      shareable.push_back(static_cast<int>(i));
    }
  }
  std::stable_sort(shareable.begin(), shareable.end(), [&](int a, int b) {
    return pos[graph.value(names[a]).producer] < pos[graph.value(names[b]).producer];
  });
  return shareable;
}

// The buffer value w (of `bytes`) should take: among the buffers whose latest occupant's last
// users all run before w's producer, one that fits with no new edge, else one that fits, else the
// largest (to be grown); the smallest that fits within a class. -1 if none is free.
int BestBuffer(const ValueInfo& w, int64_t bytes, const std::vector<const ValueInfo*>& occupant,
               const std::vector<int64_t>& slot_bytes, const std::vector<int>& pos, const std::vector<Bits>& anc) {
  int best = -1;
  int best_class = 3;  // 0: fits, no edge; 1: fits, needs edges; 2: must grow
  for (int s = 0; s < static_cast<int>(occupant.size()); ++s) {
    bool needs_edges = false;
    if (!FreeBefore(*occupant[s], pos[w.producer], w.producer, pos, anc, &needs_edges)) continue;
    const bool fits = slot_bytes[s] >= bytes;
    const int cls = fits ? (needs_edges ? 1 : 0) : 2;
    const bool better = cls < best_class || (cls == best_class && (fits ? slot_bytes[s] < slot_bytes[best]
                                                                        : slot_bytes[s] > slot_bytes[best]));
    if (better) {
      best = s;
      best_class = cls;
    }
  }
  return best;
}

// Greedy along the schedule: each shareable value takes BestBuffer, or a new buffer; where the
// dependencies do not already order the previous occupant's last users before the value's
// producer, those edges are added. The occupants of a buffer are thereby totally ordered, so
// checking the latest one suffices.
void AssignBuffers(const Graph& graph, const std::vector<int>& shareable, const std::vector<int>& pos,
                   const std::vector<Bits>& anc, MemoryPlan& plan) {
  std::vector<const ValueInfo*> occupant;  // latest value of each buffer
  for (int i : shareable) {
    const ValueInfo& w = graph.value(graph.value_names()[i]);
    const int64_t bytes = AlignedBytes(w);
    int best = BestBuffer(w, bytes, occupant, plan.slot_bytes, pos, anc);
    if (best < 0) {
      best = static_cast<int>(occupant.size());
      occupant.push_back(nullptr);
      plan.slot_bytes.push_back(0);
    } else {
      for (int u : LastUsers(*occupant[best])) {
        if (!Has(anc[w.producer], u)) plan.extra_deps[w.producer].push_back(u);
      }
    }
    occupant[best] = &w;
    plan.slot_bytes[best] = std::max(plan.slot_bytes[best], bytes);
    plan.slot[i] = best;
  }
}

}  // namespace

int64_t MemoryPlan::total_bytes() const {
  int64_t total = own_bytes;
  for (int64_t b : slot_bytes) total += b;
  return total;
}

MemoryPlan SeparateBuffers(const Graph& graph) {
  MemoryPlan plan;
  const int n = static_cast<int>(graph.nodes().size());
  for (int i = 0; i < n; ++i) plan.order.push_back(i);
  plan.extra_deps.assign(n, {});
  plan.slot.assign(graph.value_names().size(), -1);
  plan.in_place_of.assign(graph.value_names().size(), -1);
  for (const auto& name : graph.value_names()) {
    const ValueInfo& v = graph.value(name);
    plan.own_bytes += AlignedBytes(v);
    if (v.kind != ValueKind::kNodeOutput) plan.input_param_bytes += AlignedBytes(v);
  }
  return plan;
}

MemoryPlan PlanMemory(const Graph& graph, const absl::flat_hash_set<std::string>& keep) {
  const auto& names = graph.value_names();
  const int n = static_cast<int>(graph.nodes().size());
  MemoryPlan plan;
  plan.slot.assign(names.size(), -1);
  plan.in_place_of.assign(names.size(), -1);
  plan.extra_deps.assign(n, {});
  absl::flat_hash_map<std::string, int> index;
  for (size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<int>(i));

  const std::vector<int> rank = BlockRanks(graph);
  const Preds data = DataPreds(graph);
  Preds preds = data;
  PlanInPlaceUpdates(graph, rank, preds, plan, index);
  plan.order = RankedOrder(preds, rank);
  const std::vector<Bits> anc = Ancestors(preds, plan.order);
  std::vector<int> pos(n);
  for (int t = 0; t < n; ++t) pos[plan.order[t]] = t;

  AssignBuffers(graph, ShareableValues(graph, keep, pos, plan), pos, anc, plan);
  // The in-place edges are extra too: the data dependencies do not imply them.
  for (int i = 0; i < n; ++i) {
    for (int p : preds[i]) {
      if (std::find(data[i].begin(), data[i].end(), p) == data[i].end()) plan.extra_deps[i].push_back(p);
    }
    auto& d = plan.extra_deps[i];
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
  }
  return plan;
}

}  // namespace nitro
