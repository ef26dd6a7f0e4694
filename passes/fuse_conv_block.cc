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

}  // namespace

int FuseConvBlockGrads(proto::Model* model) {
  const auto consumers = Consumers(*model);
  const auto pinned = Pinned(*model);
  auto only_consumer = [&](const std::string& v, const char* op) -> int {
    auto it = consumers.find(v);
    if (pinned.count(v) || it == consumers.end() || it->second.size() != 1) return -1;
    const int c = it->second[0];
    return model->node(c).op() == op && model->node(c).in(0) == v ? c : -1;
  };

  std::set<int> removed;
  std::map<int, proto::Node> replaced;
  int fused = 0;
  for (int i = 0; i < model->node_size(); ++i) {
    const proto::Node& pool = model->node(i);
    if (pool.op() != "MaxPool2DGrad" || pool.in_size() != 2) continue;
    const int r = only_consumer(pool.out(0), "NitroReluGrad");
    if (r < 0) continue;
    const proto::Node& relu = model->node(r);
    const int c = only_consumer(relu.out(0), "Conv2DWeightGrad");
    if (c < 0) continue;
    const proto::Node& conv = model->node(c);
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
    removed.insert(i);
    removed.insert(r);
    replaced[c] = node;
    ++fused;
  }
  if (fused > 0) Rewrite(model, removed, replaced);
  return fused;
}

int FuseConvBlockForwards(proto::Model* model) {
  const auto consumers = Consumers(*model);
  const auto pinned = Pinned(*model);
  std::set<int> removed;
  std::map<int, proto::Node> replaced;
  int fused = 0;
  for (int i = 0; i < model->node_size(); ++i) {
    const proto::Node& conv = model->node(i);
    if (conv.op() != "Conv2D") continue;
    const std::string& z = conv.out(0);
    auto zc = consumers.find(z);
    if (pinned.count(z) || zc == consumers.end() || zc->second.size() != 1) continue;
    const int sc = zc->second[0];
    const proto::Node& scale = model->node(sc);
    if (scale.op() != "Scale") continue;
    // The activation of s, inside the same block; s itself stays a value (the backward reads it).
    int relu = -1;
    auto sc_it = consumers.find(scale.out(0));
    if (sc_it == consumers.end()) continue;
    for (int c : sc_it->second) {
      if (model->node(c).op() == "NitroRelu" && model->node(c).block() == conv.block()) relu = c;
    }
    if (relu < 0) continue;
    const proto::Node& act = model->node(relu);
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
    replaced[i] = node;
    removed.insert(sc);
    removed.insert(relu);
    ++fused;
  }
  if (fused > 0) Rewrite(model, removed, replaced);
  return fused;
}

}  // namespace nitro
