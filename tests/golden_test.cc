// Bit-exact golden tests: the derived training graphs of the traced MLP and CNN, run by the serial
// executor, must reproduce every tensor the NITRO-D reference recorded in training steps 1–3.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "graph/loader.h"
#include "graph/model_printer.h"
#include "gtest/gtest.h"
#include "io/tensor_text.h"
#include "passes/local_gradient.h"
#include "runtime/plan.h"
#include "runtime/serial_executor.h"

namespace nitro {
namespace {

// How one reference layer maps onto values of nitro's training graph.
struct LayerMap {
  const char* ref;        // reference layer name
  const char* fwd;        // its forward output
  const char* delta_in;   // the gradient of its output
  const char* delta_out;  // the gradient of its input
  const char* param;      // its weight, if any
  const char* wgrad;      // its weight gradient
};

struct ModelMap {
  const char* name;
  std::vector<LayerMap> layers;
  std::map<std::string, std::string> blocks;  // reference block -> nitro block
};

const ModelMap kMlp1 = {
    "mlp1",
    {
        {"flatten_00", "x", nullptr, nullptr, nullptr, nullptr},
        {"linear_encoder_00", "b0.z", "b0.a/ds", nullptr, "b0.w", "b0.z/dW"},
        {"scaling_00", "b0.s", "b0.a/ds", "b0.a/ds", nullptr, nullptr},
        {"non_linearity_00", "b0.a", "b0.head.z/dx", "b0.a/ds", nullptr, nullptr},
        {"linear_pred_00", "b0.head.z", "b0.loss/e", "b0.head.z/dx", "b0.head.w", "b0.head.z/dW"},
        {"scaling_pred_00", "b0.head.y", "b0.loss/e", "b0.loss/e", nullptr, nullptr},
        {"linear_encoder_01", "b1.z", "b1.a/ds", nullptr, "b1.w", "b1.z/dW"},
        {"scaling_01", "b1.s", "b1.a/ds", "b1.a/ds", nullptr, nullptr},
        {"non_linearity_01", "b1.a", "b1.head.z/dx", "b1.a/ds", nullptr, nullptr},
        {"linear_pred_01", "b1.head.z", "b1.loss/e", "b1.head.z/dx", "b1.head.w", "b1.head.z/dW"},
        {"scaling_pred_01", "b1.head.y", "b1.loss/e", "b1.loss/e", nullptr, nullptr},
        {"linear_02", "out.z", "out.loss/e", nullptr, "out.w", "out.z/dW"},
        {"scaling_02", "logits", "out.loss/e", "out.loss/e", nullptr, nullptr},
    },
    {{"linear_block_00", "b0"}, {"linear_block_01", "b1"}},
};

const ModelMap kCnn = {
    "cnn",
    {
        {"conv_encoder_00", "b0.z", "b0.a/ds", nullptr, "b0.w", "b0.z/dW"},
        {"scaling_00", "b0.s", "b0.a/ds", "b0.a/ds", nullptr, nullptr},
        {"non_linearity_00", "b0.a", "b0.head.p/dx", "b0.a/ds", nullptr, nullptr},
        {"pooling_pred_00", "b0.head.p", "b0.head.f/dx", "b0.head.p/dx", nullptr, nullptr},
        {"flatten_pred_00", "b0.head.f", "b0.head.z/dx", "b0.head.f/dx", nullptr, nullptr},
        {"linear_pred_00", "b0.head.z", "b0.loss/e", "b0.head.z/dx", "b0.head.w", "b0.head.z/dW"},
        {"scaling_pred_00", "b0.head.y", "b0.loss/e", "b0.loss/e", nullptr, nullptr},
        {"conv_encoder_01", "b1.z", "b1.a/ds", nullptr, "b1.w", "b1.z/dW"},
        {"scaling_01", "b1.s", "b1.a/ds", "b1.a/ds", nullptr, nullptr},
        {"non_linearity_01", "b1.a", "b1.head.p/dx", "b1.a/ds", nullptr, nullptr},
        {"pooling_pred_01", "b1.head.p", "b1.head.f/dx", "b1.head.p/dx", nullptr, nullptr},
        {"flatten_pred_01", "b1.head.f", "b1.head.z/dx", "b1.head.f/dx", nullptr, nullptr},
        {"linear_pred_01", "b1.head.z", "b1.loss/e", "b1.head.z/dx", "b1.head.w", "b1.head.z/dW"},
        {"scaling_pred_01", "b1.head.y", "b1.loss/e", "b1.loss/e", nullptr, nullptr},
        {"max_pool_02", "pool", nullptr, nullptr, nullptr, nullptr},
        {"flatten_03", "flat", nullptr, nullptr, nullptr, nullptr},
        {"linear_encoder_03", "fc.z", "fc.a/ds", nullptr, "fc.w", "fc.z/dW"},
        {"scaling_03", "fc.s", "fc.a/ds", "fc.a/ds", nullptr, nullptr},
        {"non_linearity_03", "fc.a", "fc.head.z/dx", "fc.a/ds", nullptr, nullptr},
        {"linear_pred_03", "fc.head.z", "fc.loss/e", "fc.head.z/dx", "fc.head.w", "fc.head.z/dW"},
        {"scaling_pred_03", "fc.head.y", "fc.loss/e", "fc.loss/e", nullptr, nullptr},
        {"linear_04", "out.z", "out.loss/e", nullptr, "out.w", "out.z/dW"},
        {"scaling_04", "logits", "out.loss/e", "out.loss/e", nullptr, nullptr},
    },
    {{"conv_block_00", "b0"}, {"conv_block_01", "b1"}, {"linear_block_03", "fc"}},
};

const LayerMap* FindLayer(const ModelMap& m, const std::string& ref) {
  for (const auto& l : m.layers) {
    if (ref == l.ref) return &l;
  }
  return nullptr;
}

std::string DataPath(const std::string& model, const std::string& file) {
  return absl::StrCat("tests/golden/data/", model, "/", file, ".gz");
}

// Values equal, shapes equal up to the reference writing scalars as shape [1].
void ExpectSameValues(const Tensor& want, const Tensor& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  if (!(want.shape().size() == 1 && want.size() == 1)) {
    ASSERT_EQ(want.shape(), got.shape()) << what;
    EXPECT_EQ(want.dtype(), got.dtype()) << what;
  }
  int64_t mismatches = 0, first = -1;
  for (int64_t i = 0; i < want.size(); ++i) {
    if (want.Get(i) != got.Get(i)) {
      if (first < 0) first = i;
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0) << what << ": first mismatch at " << first << ": want " << want.Get(first) << ", got "
                           << got.Get(first);
}

class GoldenTest : public ::testing::TestWithParam<const ModelMap*> {};

TEST_P(GoldenTest, ThreeStepsMatchTheReferenceBitForBit) {
  const ModelMap& map = *GetParam();
  auto fwd = LoadGraph(absl::StrCat("tests/golden/", map.name, ".pbtxt"));
  ASSERT_TRUE(fwd.ok()) << fwd.status();
  auto train_model = DeriveTrainingGraph(*fwd);
  ASSERT_TRUE(train_model.ok()) << train_model.status();
  BuildOptions opts;
  opts.source = "derived";
  auto train = BuildGraph(*train_model, opts);
  ASSERT_TRUE(train.ok()) << train.status();
  auto plan = Plan::Create(&*train);
  ASSERT_TRUE(plan.ok()) << plan.status();
  Plan& p = **plan;

  auto param_of = [&](const std::string& record, const std::string& prefix) -> std::string {
    // "<prefix>.<layer>.weight" -> nitro parameter name
    std::string layer = record.substr(prefix.size() + 1);
    layer = layer.substr(0, layer.size() - std::string(".weight").size());
    const LayerMap* l = FindLayer(map, layer);
    return l && l->param ? l->param : "";
  };

  auto init = ReadTensorText(DataPath(map.name, "init_params.txt"));
  ASSERT_TRUE(init.ok()) << init.status();
  for (const auto& r : *init) {
    const std::string param = param_of(r.name, "param_init");
    ASSERT_FALSE(param.empty()) << r.name;
    ASSERT_TRUE(p.Set(param, r.tensor).ok()) << r.name;
  }

  int64_t compared_total = 0;
  for (int step = 1; step <= 3; ++step) {
    SCOPED_TRACE(absl::StrCat(map.name, " step ", step));
    auto records = ReadTensorText(DataPath(map.name, absl::StrCat("step", step, ".txt")));
    ASSERT_TRUE(records.ok()) << records.status();
    std::map<std::string, const Tensor*> by_name;
    for (const auto& r : *records) by_name[r.name] = &r.tensor;
    ASSERT_TRUE(p.Set("image", *by_name.at("input.x")).ok());
    ASSERT_TRUE(p.Set("target", *by_name.at("input.y")).ok());
    Tensor lr(kInt64, {});
    lr.Set(0, by_name.at("hp.lr_inv")->Get(0));
    ASSERT_TRUE(p.Set(kLrInvInput, lr).ok());
    // Parameters before the step.
    std::map<std::string, Tensor> before;
    for (const auto& r : *records) {
      if (!absl::StartsWith(r.name, "param_before.")) continue;
      const std::string param = param_of(r.name, "param_before");
      ExpectSameValues(r.tensor, *p.Find(param), r.name);
      before[param] = *p.Find(param);
      ++compared_total;
    }
    absl::Status run = RunSerial(p, /*training=*/true, /*rng=*/nullptr);
    ASSERT_TRUE(run.ok()) << run;

    int compared = 0;
    for (const auto& r : *records) {
      const std::string& name = r.name;
      if (absl::StartsWith(name, "input.") || absl::StartsWith(name, "hp.") ||
          absl::StartsWith(name, "param_before.") || absl::StartsWith(name, "param_after.")) {
        continue;
      }
      std::string base = name;
      std::string suffix;
      if (absl::EndsWith(base, ".call2")) {
        base = base.substr(0, base.size() - 6);
        suffix = "@2";
      }
      std::vector<std::string> parts = absl::StrSplit(base, '.');
      ASSERT_GE(parts.size(), 2u) << name;
      std::string value;
      if (parts[0] == "out") {
        const std::string& f = parts[1];
        value = f == "y_pred" ? "logits" : f == "error" ? "out.loss/e" : f == "correct" ? "out.correct" : "out.loss";
      } else if (parts[0] == "local") {
        ASSERT_TRUE(map.blocks.count(parts[1])) << name;
        const std::string blk = map.blocks.at(parts[1]);
        const std::string& f = parts[2];
        value = f == "error"     ? absl::StrCat(blk, ".loss/e", suffix)
                : f == "correct" ? absl::StrCat(blk, ".correct", suffix)
                                 : absl::StrCat(blk, ".loss", suffix);
      } else {
        const LayerMap* l = FindLayer(map, parts[1]);
        ASSERT_NE(l, nullptr) << "unmapped reference layer in " << name;
        const std::string& f = parts[2];
        if (parts[0] == "fwd") {
          // Re-run head nodes carry the visit suffix; forward-layer outputs do not.
          value = absl::StrCat(l->fwd, suffix);
        } else if (parts[0] == "bwd") {
          const char* v = f == "delta_in" ? l->delta_in : l->delta_out;
          ASSERT_NE(v, nullptr) << name;
          value = absl::StrCat(v, suffix);
        } else if (parts[0] == "grad" && f == "weight_gradient") {
          value = absl::StrCat(l->wgrad, suffix);
        } else if (parts[0] == "grad" && f == "weight_update") {
          // update = W_before - W_after of this visit.
          const std::string p_before = suffix.empty() ? l->param : absl::StrCat(l->param, "@1");
          const std::string p_after = suffix.empty() ? absl::StrCat(l->param, "@1") : absl::StrCat(l->param, "@2");
          const Tensor* b = p.Find(p_before);
          const Tensor* a = p.Find(p_after);
          ASSERT_TRUE(b && a) << name;
          Tensor diff(kInt32, a->shape());
          for (int64_t i = 0; i < a->size(); ++i) diff.Set(i, b->Get(i) - a->Get(i));
          ExpectSameValues(r.tensor, diff, name);
          ++compared;
          continue;
        } else {
          FAIL() << "unknown record " << name;
        }
      }
      const Tensor* got = p.Find(value);
      ASSERT_NE(got, nullptr) << name << " -> missing value '" << value << "'";
      ExpectSameValues(r.tensor, *got, absl::StrCat(name, " vs ", value));
      ++compared;
    }
    p.CommitUpdates();
    for (const auto& r : *records) {
      if (!absl::StartsWith(r.name, "param_after.")) continue;
      ExpectSameValues(r.tensor, *p.Find(param_of(r.name, "param_after")), r.name);
      ++compared;
    }
    EXPECT_GE(compared, 40) << "too few records compared";
    compared_total += compared;
  }
  auto final_params = ReadTensorText(DataPath(map.name, "params_after_step3.txt"));
  ASSERT_TRUE(final_params.ok()) << final_params.status();
  for (const auto& r : *final_params) {
    ExpectSameValues(r.tensor, *p.Find(param_of(r.name, "param_after_step3")), r.name);
  }
  RecordProperty("records_compared", static_cast<int>(compared_total));
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::Values(&kMlp1, &kCnn),
                         [](const auto& info) { return std::string(info.param->name); });

// The derived training graphs are printed and compared with checked-in goldens.
class DerivedGraphTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DerivedGraphTest, MatchesGoldenPbtxt) {
  const std::string name = GetParam();
  auto fwd = LoadGraph(absl::StrCat("tests/golden/", name, ".pbtxt"));
  ASSERT_TRUE(fwd.ok()) << fwd.status();
  auto train_model = DeriveTrainingGraph(*fwd);
  ASSERT_TRUE(train_model.ok()) << train_model.status();
  const std::string text = ModelToText(*train_model);
  const std::string path = absl::StrCat("tests/golden/derived/", name, "_train.pbtxt");
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path << " (regenerate with `nitro derive tests/golden/" << name << ".pbtxt`)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(want.str(), text) << "the derived graph of " << name << " changed; if intended, regenerate " << path;
}

INSTANTIATE_TEST_SUITE_P(Models, DerivedGraphTest, ::testing::Values("mlp1", "cnn"));

}  // namespace
}  // namespace nitro
