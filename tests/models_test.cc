// Loads every paper model of models/ and checks its parameter count and structure against spec §7.
//
// Parameter counts (no biases; heads and the output layer included), from the §7.2 layer lists:
//   mlp1_mnist      784·100 + 100·50 + heads (100 + 50)·10 + out 50·10
//                   = 78,400 + 5,000 + 1,500 + 500                                    =     85,400
//   mlp2_fmnist     784·200 + 200·100 + 100·50 + heads (200 + 100 + 50)·10 + out 50·10
//                   = 156,800 + 20,000 + 5,000 + 3,500 + 500                          =    185,800
//   mlp3_*          784·1024 + 2·1024·1024 + heads 3·1024·10 + out 1024·10
//                   = 802,816 + 2,097,152 + 30,720 + 10,240                           =  2,940,928
//   mlp4_cifar10    3072·3000 + 2·3000·3000 + heads 3·3000·10 + out 3000·10
//                   = 9,216,000 + 18,000,000 + 90,000 + 30,000                        = 27,336,000
//   vgg8b 28×28     convs 9·(1·128 + 128·256 + 256·256 + 256·512 + 2·512·512) = 6,784,128
//                   heads (3584 + 4·4096 + 3072)·10 = 230,400; fc 512·1024 = 524,288;
//                   fc head + out 2·1024·10 = 20,480                                  =  7,559,296
//   vgg8b_cifar10   convs 9·(3·128 + 128·256 + 256·256 + 256·512 + 2·512·512) = 6,786,432
//                   heads 6·4096·10 = 245,760; fc 2048·1024 = 2,097,152; 20,480       =  9,149,824
//   vgg11b_cifar10  convs 9·(3·128 + 2·128·128 + 128·256 + 256·256 + 256·512 + 3·512·512)
//                   = 9,440,640; heads 9·4096·10 = 368,640; fc 2,097,152; 20,480      = 11,926,912
// The VGG8B counts are the reference's own (7,559,296 and 9,149,824).
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "passes/model_summary.h"

namespace nitro {
namespace {

struct Expected {
  std::string name;
  int64_t params;
  std::string dataset;
  int64_t eta_fw;
  int64_t eta_lr;
  int64_t dropout_permille;  // 0: no Dropout node at all
  int num_dropouts;
  int64_t crop_size;  // 0: no augmentation
  int64_t crop_padding;
  bool hflip;
  bool cnn;
};

const std::vector<Expected>& AllModels() {
  static const auto* models = new std::vector<Expected>{
      {"mlp1_mnist", 85400, "mnist", 12000, 3000, 0, 0, 0, 0, false, false},
      {"mlp2_fmnist", 185800, "fashion_mnist", 10000, 8000, 0, 0, 0, 0, false, false},
      {"mlp3_mnist", 2940928, "mnist", 28000, 500, 0, 0, 28, 2, false, false},
      {"mlp3_fmnist", 2940928, "fashion_mnist", 29000, 6000, 0, 0, 28, 2, true, false},
      {"mlp4_cifar10", 27336000, "cifar10", 19000, 7500, 100, 3, 32, 4, true, false},
      {"vgg8b_mnist", 7559296, "mnist", 30000, 3000, 0, 0, 28, 2, false, true},
      {"vgg8b_fmnist", 7559296, "fashion_mnist", 28000, 3500, 100, 2, 28, 2, true, true},
      {"vgg8b_cifar10", 9149824, "cifar10", 25000, 3000, 150, 2, 32, 4, true, true},
      {"vgg11b_cifar10", 11926912, "cifar10", 28000, 4500, 0, 0, 32, 4, true, true},
  };
  return *models;
}

std::string ModelPath(const std::string& name) { return "models/" + name + ".pbtxt"; }

Graph Load(const std::string& name) {
  auto g = LoadGraph(ModelPath(name), 1);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : Graph();
}

int FindNode(const Graph& g, const std::string& name) {
  for (int i = 0; i < static_cast<int>(g.nodes().size()); ++i) {
    if (g.nodes()[i].name() == name) return i;
  }
  ADD_FAILURE() << "no node '" << name << "' in " << g.source();
  return -1;
}

int64_t Divisor(const Graph& g, const std::string& node) {
  const int i = FindNode(g, node);
  return i < 0 ? -1 : g.attrs(i).GetInt("divisor");
}

class ModelsTest : public ::testing::TestWithParam<Expected> {};

TEST_P(ModelsTest, LoadsWithTheExpectedParameterCount) {
  const Expected& e = GetParam();
  Graph g = Load(e.name);
  ASSERT_FALSE(g.nodes().empty());
  auto summary = SummarizeModel(g);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->total_params, e.params);
  EXPECT_EQ(g.model().name(), e.name);
  EXPECT_EQ(g.value("logits").type.shape, (Shape{1, 10}));
  ASSERT_EQ(g.model().output_size(), 1);
  EXPECT_EQ(g.model().output(0), "logits");
}

TEST_P(ModelsTest, HyperparametersFollowSpecSection7) {
  const Expected& e = GetParam();
  Graph g = Load(e.name);
  ASSERT_FALSE(g.nodes().empty());
  for (const auto& p : g.model().param()) {
    const bool forward = p.name().find(".head.") == std::string::npos && p.name() != "out.w";
    EXPECT_EQ(p.amp(), forward ? 640 : 1) << p.name();
    EXPECT_EQ(p.decay_inv(), forward ? e.eta_fw : e.eta_lr) << p.name();
    EXPECT_EQ(p.init().kind_case(), proto::Init::kKaiming) << p.name();
    EXPECT_EQ(p.init().kaiming().fan_in(), 0) << p.name() << ": fan_in must be derived from the shape";
  }
  const proto::Train& t = g.model().train();
  EXPECT_EQ(t.dataset(), e.dataset);
  EXPECT_EQ(t.batch_size(), 64);
  EXPECT_EQ(t.epochs(), 150);
  EXPECT_EQ(t.lr_inv(), 512);
  EXPECT_EQ(t.seed(), 42);
  EXPECT_EQ(t.one_hot_value(), 32);
  EXPECT_EQ(t.norm_stat_samples(), 25000);
  EXPECT_EQ(t.norm_scale(), 51);
  EXPECT_EQ(t.schedule().plateau_factor(), 3);
  EXPECT_EQ(t.schedule().plateau_min_delta_bp(), 100);
  EXPECT_EQ(t.schedule().plateau_patience(), 15);
  EXPECT_EQ(t.schedule().plateau_from_epoch(), 10);
  EXPECT_EQ(t.schedule().stop_min_delta_bp(), 100);
  EXPECT_EQ(t.schedule().stop_patience(), 35);
  EXPECT_EQ(t.schedule().stop_from_epoch(), 30);
  EXPECT_EQ(t.has_augment(), e.crop_size != 0);
  EXPECT_EQ(t.augment().crop_size(), e.crop_size);
  EXPECT_EQ(t.augment().crop_padding(), e.crop_padding);
  EXPECT_EQ(t.augment().hflip(), e.hflip);
  EXPECT_FALSE(t.augment().per_sample());
}

TEST_P(ModelsTest, DropoutAndBlockVisits) {
  const Expected& e = GetParam();
  Graph g = Load(e.name);
  ASSERT_FALSE(g.nodes().empty());
  int dropouts = 0;
  for (int i = 0; i < static_cast<int>(g.nodes().size()); ++i) {
    if (g.nodes()[i].op() != "Dropout") continue;
    ++dropouts;
    EXPECT_EQ(g.attrs(i).GetInt("rate_permille"), e.dropout_permille);
    EXPECT_TRUE(g.nodes()[i].block().empty()) << "Dropout sits between blocks (spec §2.8)";
  }
  EXPECT_EQ(dropouts, e.num_dropouts);
  for (const auto& b : g.model().block()) {
    const bool fc = b.name().rfind("fc", 0) == 0;
    EXPECT_EQ(b.visits(), fc ? 2 : 0) << b.name();
    if (fc) {
      EXPECT_TRUE(e.cnn) << "only CNNs have FC blocks";
    }
  }
  if (e.cnn && e.num_dropouts > 0) {
    // §3.5: last conv block -> Dropout -> MaxPool -> Flatten -> FC block -> Dropout -> output.
    const std::string last_conv = e.name == "vgg11b_cifar10" ? "b8.a" : "b5.a";
    EXPECT_EQ(g.nodes()[FindNode(g, "drop5")].in(0), last_conv);
    EXPECT_EQ(g.nodes()[FindNode(g, "pool5")].in(0), "drop5");
    EXPECT_EQ(g.nodes()[FindNode(g, "drop_fc")].in(0), "fc.a");
    EXPECT_EQ(g.nodes()[FindNode(g, "out.z")].in(0), "drop_fc");
  }
  if (e.name == "mlp4_cifar10") {
    EXPECT_EQ(g.nodes()[FindNode(g, "b1.z")].in(0), "drop0");
    EXPECT_EQ(g.nodes()[FindNode(g, "b2.z")].in(0), "drop1");
    EXPECT_EQ(g.nodes()[FindNode(g, "out.z")].in(0), "drop2");
    EXPECT_EQ(g.value("x").type.shape, (Shape{1, 3072}));
  }
}

TEST_P(ModelsTest, FileSaysItIsGenerated) {
  const Expected& e = GetParam();
  std::ifstream in(ModelPath(e.name));
  ASSERT_TRUE(in) << ModelPath(e.name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("# ", 0), 0u) << "the file starts with comment lines";
  EXPECT_NE(text.str().find("# Generated by tools/gen_models.py; do not edit."), std::string::npos);
  EXPECT_NE(text.str().find("Paper result"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Paper, ModelsTest, ::testing::ValuesIn(AllModels()),
                         [](const ::testing::TestParamInfo<Expected>& info) { return info.param.name; });

struct HeadPool {
  std::vector<int64_t> kernel;
  std::vector<int64_t> pad;
  int64_t d;
};

// The head pooling and scale factors of VGG8B on 28×28 inputs (spec §7.2 table).
TEST(Vgg8b28, HeadsMatchTheSpecTable) {
  const std::vector<HeadPool> heads = {{{8, 4}, {4, 0}, 3584}, {{8, 8}, {4, 4}, 4096}, {{4, 4}, {2, 2}, 4096},
                                       {{8, 4}, {4, 2}, 4096}, {{4, 2}, {2, 1}, 4096}, {{2, 1}, {1, 0}, 3072}};
  const std::vector<int64_t> conv_scale = {2304, 294912, 589824, 589824, 1179648, 1179648};
  for (const std::string name : {"vgg8b_mnist", "vgg8b_fmnist"}) {
    SCOPED_TRACE(name);
    Graph g = Load(name);
    ASSERT_FALSE(g.nodes().empty());
    for (int b = 0; b < 6; ++b) {
      const std::string p = "b" + std::to_string(b);
      const int pool = FindNode(g, p + ".head.p");
      ASSERT_GE(pool, 0);
      EXPECT_EQ(g.attrs(pool).GetInts("kernel"), heads[b].kernel) << p;
      EXPECT_EQ(g.attrs(pool).GetInts("pad"), heads[b].pad) << p;
      EXPECT_EQ(g.value(p + ".head.f").type.shape, (Shape{1, heads[b].d})) << p;
      EXPECT_EQ(Divisor(g, p + ".head.y"), 256 * heads[b].d) << p;
      EXPECT_EQ(Divisor(g, p + ".s"), conv_scale[b]) << p;
    }
    EXPECT_EQ(g.value("flat").type.shape, (Shape{1, 512}));
    EXPECT_EQ(Divisor(g, "fc.s"), 131072);
    EXPECT_EQ(Divisor(g, "fc.head.y"), 262144);
    EXPECT_EQ(Divisor(g, "logits"), 262144);
  }
}

// VGG8B and VGG11B on 32×32 inputs: every head has D = 4096 and zero padding (spec §7.2).
TEST(Cifar10Cnns, HeadsMatchTheSpec) {
  struct Case {
    std::string model;
    std::vector<std::vector<int64_t>> kernels;
    std::vector<int64_t> conv_scale;
  };
  const std::vector<Case> cases = {
      {"vgg8b_cifar10",
       {{8, 4}, {8, 8}, {4, 4}, {8, 4}, {4, 2}, {2, 1}},
       {6912, 294912, 589824, 589824, 1179648, 1179648}},
      {"vgg11b_cifar10",
       {{8, 4}, {8, 4}, {8, 4}, {8, 8}, {4, 4}, {8, 4}, {4, 2}, {4, 2}, {2, 1}},
       {6912, 294912, 294912, 294912, 589824, 589824, 1179648, 1179648, 1179648}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.model);
    Graph g = Load(c.model);
    ASSERT_FALSE(g.nodes().empty());
    for (size_t b = 0; b < c.kernels.size(); ++b) {
      const std::string p = "b" + std::to_string(b);
      const int pool = FindNode(g, p + ".head.p");
      ASSERT_GE(pool, 0);
      EXPECT_EQ(g.attrs(pool).GetInts("kernel"), c.kernels[b]) << p;
      EXPECT_EQ(g.attrs(pool).GetInts("pad"), (std::vector<int64_t>{0, 0})) << p;
      EXPECT_EQ(g.value(p + ".head.f").type.shape, (Shape{1, 4096})) << p;
      EXPECT_EQ(Divisor(g, p + ".head.y"), 1048576) << p;
      EXPECT_EQ(Divisor(g, p + ".s"), c.conv_scale[b]) << p;
    }
    EXPECT_EQ(g.value("flat").type.shape, (Shape{1, 2048}));
    EXPECT_EQ(Divisor(g, "fc.s"), 524288);
    EXPECT_EQ(Divisor(g, "fc.head.y"), 262144);
    EXPECT_EQ(Divisor(g, "logits"), 262144);
  }
}

// The MLP scale factors of spec §7.2.
TEST(Mlps, ScaleFactorsMatchTheSpec) {
  Graph g = Load("mlp2_fmnist");
  ASSERT_FALSE(g.nodes().empty());
  EXPECT_EQ(Divisor(g, "b0.s"), 200704);
  EXPECT_EQ(Divisor(g, "b0.head.y"), 51200);
  EXPECT_EQ(Divisor(g, "b1.s"), 51200);
  EXPECT_EQ(Divisor(g, "b2.head.y"), 12800);
  EXPECT_EQ(Divisor(g, "logits"), 12800);
  Graph m4 = Load("mlp4_cifar10");
  ASSERT_FALSE(m4.nodes().empty());
  EXPECT_EQ(Divisor(m4, "b0.s"), 786432);
  EXPECT_EQ(Divisor(m4, "b1.s"), 768000);
  EXPECT_EQ(Divisor(m4, "b2.head.y"), 768000);
  EXPECT_EQ(Divisor(m4, "logits"), 768000);
}

// MACs and activation bytes of the summary, by hand.
TEST(ModelSummary, Vgg8bCifar10Totals) {
  Graph g = Load("vgg8b_cifar10");
  ASSERT_FALSE(g.nodes().empty());
  auto s = SummarizeModel(g);
  ASSERT_TRUE(s.ok()) << s.status();
  // Conv MACs = H·W·F·C·9 per block: 32²·128·27 + 32²·256·1152 + 16²·256·2304 + 16²·512·2304
  // + 8²·512·4608 + 4²·512·4608, then fc 2048·1024 and out 1024·10.
  EXPECT_EQ(s->inference_macs, 3538944 + 301989888 + 150994944 + 301989888 + 150994944 + 37748736 + 2097152 + 10240);
  EXPECT_EQ(s->training_only_macs, 6 * 40960 + 10240);  // the six conv heads and the fc head
  ASSERT_FALSE(s->blocks.empty());
  EXPECT_EQ(s->blocks[0].name, "b0");
  EXPECT_EQ(s->blocks[2].name, kBetweenBlocks);  // pool1
  const std::string text = FormatSummary(*s);
  EXPECT_NE(text.find("9,149,824"), std::string::npos) << text;
  EXPECT_NE(text.find("block fc (visited 2x per step)"), std::string::npos) << text;
}

TEST(ModelSummary, Mlp1ActivationBytes) {
  Graph g = Load("mlp1_mnist");
  ASSERT_FALSE(g.nodes().empty());
  auto s = SummarizeModel(g);
  ASSERT_TRUE(s.ok()) << s.status();
  // x 784·1; b0: z 100·4, s 100, a 100, head.z 10·4, head.y 10, loss+correct 2·8 = 666;
  // b1: 50·4 + 50 + 50 + 40 + 10 + 16 = 366; out: 40 + 10 + 16 = 66.
  EXPECT_EQ(s->activation_bytes, 784 + 666 + 366 + 66);
  EXPECT_EQ(s->inference_macs, 78400 + 5000 + 500);
  EXPECT_EQ(s->training_only_macs, 1000 + 500);
  int head_nodes = 0;
  for (const auto& b : s->blocks) {
    for (const auto& n : b.nodes) head_nodes += n.training_only;
  }
  EXPECT_EQ(head_nodes, 2 * 3 + 1);  // per block: head Linear, Scale and RssLoss; plus out.loss
}

}  // namespace
}  // namespace nitro
