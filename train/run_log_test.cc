// Tests of the per-epoch CSV table and the SVG accuracy chart.
#include "train/run_log.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace nitro {
namespace {

std::vector<proto::EpochRecord> TwoEpochs() {
  std::vector<proto::EpochRecord> h(2);
  h[0].set_epoch(1);
  h[0].set_lr_inv(512);
  h[0].set_train_correct(50000);
  h[0].set_train_total(60000);
  h[0].add_block_correct(42000);
  h[0].add_block_correct(31200);
  h[0].set_test_correct(9501);
  h[0].set_test_total(10000);
  h[0].set_wall_ms(4100);
  h[1].set_epoch(2);
  h[1].set_lr_inv(256);
  h[1].set_train_correct(2);
  h[1].set_train_total(3);
  h[1].add_block_correct(1);
  h[1].set_val_correct(5);
  h[1].set_val_total(8);
  return h;
}

TEST(EpochCsvTest, TwoEpochsExactly) {
  EXPECT_EQ(EpochCsv(TwoEpochs(), {"b1", "b2"}),
            "epoch,lr_inv,train_correct,train_total,train_acc_pct,b1_acc_pct,b2_acc_pct,val_correct,val_total,"
            "val_acc_pct,test_correct,test_total,test_acc_pct,wall_ms,img_per_s\n"
            "1,512,50000,60000,83.33,70.00,52.00,0,0,,9501,10000,95.01,4100,14634\n"
            "2,256,2,3,66.67,33.33,,5,8,62.50,0,0,,0,\n");
}

TEST(EpochCsvTest, EmptyHistoryIsJustTheHeader) {
  EXPECT_EQ(EpochCsv({}, {}),
            "epoch,lr_inv,train_correct,train_total,train_acc_pct,val_correct,val_total,val_acc_pct,"
            "test_correct,test_total,test_acc_pct,wall_ms,img_per_s\n");
}

TEST(EpochCsvTest, UnnamedBlocksAndQuoting) {
  const std::string csv = EpochCsv(TwoEpochs(), {"a,b"});
  EXPECT_TRUE(absl::StartsWith(csv,
                               "epoch,lr_inv,train_correct,train_total,train_acc_pct,\"a,b_acc_pct\","
                               "block2_acc_pct,val_correct"))
      << csv;
}

TEST(EpochCsvTest, EveryRowHasTheHeaderWidth) {
  const std::string csv = EpochCsv(TwoEpochs(), {"b1", "b2", "b3"});
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) EXPECT_EQ(std::count(line.begin(), line.end(), ','), 15) << line;
}

int Count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1)) ++n;
  return n;
}

// The "x,y" pairs of the index-th polyline.
std::vector<std::pair<int64_t, int64_t>> PolylinePoints(const std::string& svg, int index) {
  size_t pos = 0;
  for (int i = 0; i <= index; ++i) pos = svg.find("<polyline", i ? pos + 1 : 0);
  const size_t start = svg.find("points=\"", pos) + 8;
  const std::string list = svg.substr(start, svg.find('"', start) - start);
  std::vector<std::pair<int64_t, int64_t>> out;
  for (absl::string_view p : absl::StrSplit(list, ' ')) {
    std::pair<absl::string_view, absl::string_view> xy = absl::StrSplit(p, ',');
    int64_t x, y;
    EXPECT_TRUE(absl::SimpleAtoi(xy.first, &x) && absl::SimpleAtoi(xy.second, &y)) << p;
    out.emplace_back(x, y);
  }
  return out;
}

void ExpectWellFormed(const std::string& svg) {
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg;
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_EQ(Count(svg, "<"), Count(svg, ">"));
  EXPECT_EQ(Count(svg, "<g "), Count(svg, "</g>"));
  EXPECT_EQ(Count(svg, "<text"), Count(svg, "</text>"));
}

TEST(AccuracySvgTest, ThreeSeries) {
  std::vector<proto::EpochRecord> h;
  for (int e = 1; e <= 12; ++e) {
    proto::EpochRecord r;
    r.set_epoch(e);
    r.set_train_correct(800 + 10 * e);
    r.set_train_total(1000);
    r.set_val_correct(780 + 9 * e);
    r.set_val_total(1000);
    r.set_test_correct(790 + 9 * e);
    r.set_test_total(1000);
    h.push_back(r);
  }
  const std::string svg = AccuracySvg(h, "mlp1 <paper> & co");
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<polyline"), 3);
  EXPECT_EQ(Count(svg, "<circle"), 0);
  EXPECT_TRUE(absl::StrContains(svg, "mlp1 &lt;paper&gt; &amp; co"));
  EXPECT_TRUE(absl::StrContains(svg, ">train 92.00%<"));
  EXPECT_TRUE(absl::StrContains(svg, ">val 88.80%<"));
  EXPECT_TRUE(absl::StrContains(svg, ">test 89.80%<"));
  EXPECT_TRUE(absl::StrContains(svg, ">epoch<"));
  EXPECT_TRUE(absl::StrContains(svg, "accuracy (%)"));
  for (int s = 0; s < 3; ++s) {
    const auto pts = PolylinePoints(svg, s);
    ASSERT_EQ(pts.size(), 12u);
    for (size_t i = 1; i < pts.size(); ++i) {
      EXPECT_GT(pts[i].first, pts[i - 1].first);    // epochs go right
      EXPECT_LT(pts[i].second, pts[i - 1].second);  // rising accuracy goes up
    }
    for (const auto& [x, y] : pts) {
      EXPECT_GE(x, 70);
      EXPECT_LE(x, 590);
      EXPECT_GE(y, 50);
      EXPECT_LE(y, 380);
    }
  }
  // Train spans 81%..92%: the y axis snaps to whole-percent ticks around it.
  EXPECT_TRUE(absl::StrContains(svg, "text-anchor=\"end\">78</text>")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, "text-anchor=\"end\">92</text>")) << svg;
  // First and last epochs touch the plot's left and right edges.
  EXPECT_EQ(PolylinePoints(svg, 0).front().first, 70);
  EXPECT_EQ(PolylinePoints(svg, 0).back().first, 590);
}

TEST(AccuracySvgTest, SeriesWithoutDataAreLeftOut) {
  const std::string svg = AccuracySvg(TwoEpochs(), "t");
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<polyline"), 3);  // train (2), val (1, epoch 2), test (1, epoch 1)
  EXPECT_EQ(PolylinePoints(svg, 0).size(), 2u);
  EXPECT_EQ(PolylinePoints(svg, 1).size(), 1u);
  EXPECT_EQ(Count(svg, "<circle"), 2);

  std::vector<proto::EpochRecord> train_only = TwoEpochs();
  for (auto& r : train_only) {
    r.clear_val_total();
    r.clear_test_total();
  }
  const std::string svg2 = AccuracySvg(train_only, "t");
  EXPECT_EQ(Count(svg2, "<polyline"), 1);
  EXPECT_FALSE(absl::StrContains(svg2, ">val"));
}

TEST(AccuracySvgTest, SingleEpochIsADot) {
  std::vector<proto::EpochRecord> h(1);
  h[0].set_epoch(1);
  h[0].set_train_correct(97);
  h[0].set_train_total(100);
  h[0].set_test_correct(97);
  h[0].set_test_total(100);
  const std::string svg = AccuracySvg(h, "one");
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_EQ(Count(svg, "<circle"), 2);
  const auto pts = PolylinePoints(svg, 0);
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].first, (70 + 590) / 2);
  EXPECT_GE(pts[0].second, 50);
  EXPECT_LE(pts[0].second, 380);
  EXPECT_TRUE(absl::StrContains(svg, "text-anchor=\"middle\">1</text>"));
}

TEST(AccuracySvgTest, PerfectAndZeroAccuracyStayInsideThePlot) {
  std::vector<proto::EpochRecord> h(2);
  h[0].set_epoch(1);
  h[0].set_train_total(10);
  h[1].set_epoch(2);
  h[1].set_train_correct(10);
  h[1].set_train_total(10);
  const std::string svg = AccuracySvg(h, "x");
  const auto pts = PolylinePoints(svg, 0);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].second, 380);
  EXPECT_EQ(pts[1].second, 50);
  EXPECT_TRUE(absl::StrContains(svg, ">100</text>"));

  h[0].set_train_correct(10);  // flat at 100%
  const auto flat = PolylinePoints(AccuracySvg(h, "x"), 0);
  EXPECT_EQ(flat[0].second, 50);
  EXPECT_EQ(flat[1].second, 50);
}

TEST(AccuracySvgTest, EmptyHistoryRendersAxes) {
  const std::string svg = AccuracySvg({}, "nothing yet");
  ExpectWellFormed(svg);
  EXPECT_EQ(Count(svg, "<polyline"), 0);
  EXPECT_TRUE(absl::StrContains(svg, "no data"));
}

}  // namespace
}  // namespace nitro
