#include "passes/fuse_conv_block.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace nitro {

namespace {

const proto::Attr* FindAttr(const proto::Node& n, const std::string& name) {
  for (const auto& a : n.attr()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

// Replaces node i by replaced[i] and drops the nodes in `removed`, keeping the order.
void Rewrite(proto::Model* model, const std::set<int>& removed, const std::map<int, proto::Node>& replaced) {
  google::protobuf::RepeatedPtrField<proto::Node> nodes;
  for (int i = 0; i < model->node_size(); ++i) {
    if (removed.count(i)) continue;
    auto it = replaced.find(i);
    *nodes.Add() = it != replaced.end() ? it->second : model->node(i);
  }
  model->mutable_node()->Swap(&nodes);
}

// Value name -> indices of the nodes reading it.
std::map<std::string, std::vector<int>> Consumers(const proto::Model& model) {
  std::map<std::string, std::vector<int>> consumers;
  for (int i = 0; i < model.node_size(); ++i) {
    for (const auto& in : model.node(i).in()) consumers[in].push_back(i);
  }
  return consumers;
}

// Model outputs and parameter updates: values a rewrite must keep.
std::set<std::string> Pinned(const proto::Model& model) {
  std::set<std::string> pinned(model.output().begin(), model.output().end());
  for (const auto& u : model.update()) pinned.insert(u.value());
  return pinned;
}

// The values a rewrite must see whole: who reads each value, and which values must stay.
struct Uses {
  explicit Uses(const proto::Model& model) : consumers(Consumers(model)), pinned(Pinned(model)) {}

  // The one node reading `v`, if it is an `op` node that reads `v` as its first input and `v` is
  // not pinned; else -1. A fused chain's intermediate values then have no reader outside it.
  int OnlyConsumer(const proto::Model& model, const std::string& v, const char* op) const {
    auto it = consumers.find(v);
    if (pinned.count(v) || it == consumers.end() || it->second.size() != 1) return -1;
    const int c = it->second[0];
    return model.node(c).op() == op && model.node(c).in(0) == v ? c : -1;
  }

  std::map<std::string, std::vector<int>> consumers;
  std::set<std::string> pinned;
};

// ConvBlockGrad(dy, a, s, x, w) for the chain dx = MaxPool2DGrad(dy, a), ds = NitroReluGrad(dx, s),
// dW = Conv2DWeightGrad(ds, x, w): it keeps the weight-gradient node's name, block and output, and
// takes the pool's kernel and pad, the ReLU's alpha_inv and the conv's pad (as conv_pad).
proto::Node ConvBlockGradNode(const proto::Node& pool, const proto::Node& relu, const proto::Node& conv) {
  proto::Node node;
  node.set_name(conv.name());
  node.set_op("ConvBlockGrad");
  node.set_block(conv.block());
  node.add_in(pool.in(0));  // dy: gradient of the head pool's output
  node.add_in(pool.in(1));  // a: the block output the pool read
  node.add_in(relu.in(1));  // s: the NITRO-ReLU input
  node.add_in(conv.in(1));  // x: the conv input
  node.add_in(conv.in(2));  // w: for the shape
  node.add_out(conv.out(0));
  for (const char* name : {"kernel", "pad"}) {
    if (const proto::Attr* a = FindAttr(pool, name)) *node.add_attr() = *a;
  }
  if (const proto::Attr* a = FindAttr(relu, "alpha_inv")) *node.add_attr() = *a;
  if (const proto::Attr* a = FindAttr(conv, "pad")) {
    proto::Attr cp = *a;
    cp.set_name("conv_pad");
    *node.add_attr() = cp;
  }
  return node;
}

// ConvScaleRelu(x, w) -> (s, a) for z = Conv2D(x, w), s = Scale(z), a = NitroRelu(s): the conv's
// name and block, the Scale and ReLU outputs under their names, the pad, divisor and alpha_inv.
proto::Node ConvScaleReluNode(const proto::Node& conv, const proto::Node& scale, const proto::Node& act) {
  proto::Node node;
  node.set_name(conv.name());
  node.set_op("ConvScaleRelu");
  node.set_block(conv.block());
  node.add_in(conv.in(0));
  node.add_in(conv.in(1));
  node.add_out(scale.out(0));
  node.add_out(act.out(0));
  if (const proto::Attr* a = FindAttr(conv, "pad")) *node.add_attr() = *a;
  if (const proto::Attr* a = FindAttr(scale, "divisor")) *node.add_attr() = *a;
  if (const proto::Attr* a = FindAttr(act, "alpha_inv")) *node.add_attr() = *a;
  return node;
}

// The NitroRelu node of `block` reading the Scale output `s` (the last one, if several), or -1.
int ReluOfScale(const proto::Model& model, const Uses& uses, const std::string& s, const std::string& block) {
  auto it = uses.consumers.find(s);
  if (it == uses.consumers.end()) return -1;
  int relu = -1;
  for (int c : it->second) {
    if (model.node(c).op() == "NitroRelu" && model.node(c).block() == block) relu = c;
  }
  return relu;
}

// The two integers of attribute `name` of `node`, `fallback` when the node does not set it.
std::vector<int64_t> PairAttr(const proto::Node& node, const std::string& name, std::vector<int64_t> fallback) {
  const proto::Attr* a = FindAttr(node, name);
  if (a == nullptr) return fallback;
  return std::vector<int64_t>(a->ints().v().begin(), a->ints().v().end());
}

}  // namespace

int FuseConvBlockGrads(proto::Model* model) {
  const Uses uses(*model);
  std::set<int> removed;
  std::map<int, proto::Node> replaced;
  for (int i = 0; i < model->node_size(); ++i) {
    const proto::Node& pool = model->node(i);
    if (pool.op() != "MaxPool2DGrad" || pool.in_size() != 2) continue;
    const int r = uses.OnlyConsumer(*model, pool.out(0), "NitroReluGrad");
    if (r < 0) continue;
    const int c = uses.OnlyConsumer(*model, model->node(r).out(0), "Conv2DWeightGrad");
    if (c < 0) continue;
    replaced[c] = ConvBlockGradNode(pool, model->node(r), model->node(c));
    removed.insert(i);
    removed.insert(r);
  }
  const int fused = static_cast<int>(replaced.size());
  if (fused > 0) Rewrite(model, removed, replaced);
  return fused;
}

int FuseConvBlockForwards(proto::Model* model) {
  const Uses uses(*model);
  std::set<int> removed;
  std::map<int, proto::Node> replaced;
  for (int i = 0; i < model->node_size(); ++i) {
    const proto::Node& conv = model->node(i);
    if (conv.op() != "Conv2D") continue;
    // The accumulator z has one reader, a Scale (read as its first and only input).
    const std::string& z = conv.out(0);
    auto zc = uses.consumers.find(z);
    if (uses.pinned.count(z) || zc == uses.consumers.end() || zc->second.size() != 1) continue;
    const int sc = zc->second[0];
    const proto::Node& scale = model->node(sc);
    if (scale.op() != "Scale") continue;
    // The activation of s, inside the same block; s itself stays a value (the backward reads it).
    const int relu = ReluOfScale(*model, uses, scale.out(0), conv.block());
    if (relu < 0) continue;
    replaced[i] = ConvScaleReluNode(conv, scale, model->node(relu));
    removed.insert(sc);
    removed.insert(relu);
  }
  const int fused = static_cast<int>(replaced.size());
  if (fused > 0) Rewrite(model, removed, replaced);
  return fused;
}

int FuseConvBlockPools(proto::Model* model) {
  const Uses uses(*model);
  std::set<int> removed;
  std::map<int, proto::Node> replaced;
  for (int i = 0; i < model->node_size(); ++i) {
    const proto::Node& conv = model->node(i);
    if (conv.op() != "ConvScaleRelu" || conv.out_size() != 2 || FindAttr(conv, "pool_kernels") != nullptr) continue;
    auto readers = uses.consumers.find(conv.out(1));
    if (readers == uses.consumers.end()) continue;
    proto::Node fused = conv;
    proto::Attr kernels, pads;
    kernels.set_name("pool_kernels");
    pads.set_name("pool_pads");
    for (int r : readers->second) {
      const proto::Node& pool = model->node(r);
      if (pool.op() != "MaxPool2D" || pool.in_size() != 1 || pool.out_size() != 1) continue;
      const std::vector<int64_t> k = PairAttr(pool, "kernel", {}), p = PairAttr(pool, "pad", {0, 0});
      if (k.size() != 2 || p.size() != 2) continue;  // left to the op's own validation
      fused.add_out(pool.out(0));
      for (int64_t v : k) kernels.mutable_ints()->add_v(v);
      for (int64_t v : p) pads.mutable_ints()->add_v(v);
      removed.insert(r);
    }
    if (fused.out_size() == 2) continue;
    *fused.add_attr() = kernels;
    *fused.add_attr() = pads;
    replaced[i] = fused;
  }
  const int fused = static_cast<int>(removed.size());
  if (fused > 0) Rewrite(model, removed, replaced);
  return fused;
}

}  // namespace nitro
