// Per-epoch training logs: a CSV table and an SVG accuracy chart of a run's proto::EpochRecord history.
#include "train/run_log.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"

namespace nitro {
namespace {

// RFC 4180 quoting for a header field that contains a separator, quote or line break.
std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string XmlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// ---- chart geometry (pixels) ----
constexpr int64_t kWidth = 760;
constexpr int64_t kHeight = 440;
constexpr int64_t kLeft = 70;               // plot area
constexpr int64_t kRight = kWidth - 170;
constexpr int64_t kTop = 50;
constexpr int64_t kBottom = kHeight - 60;
constexpr int64_t kLegendX = kRight + 20;
constexpr int64_t kMaxTicks = 10;
constexpr int64_t kFullScale = 10000;       // 100% in hundredths of a percent

struct Series {
  const char* name;
  const char* color;
  std::vector<std::pair<int64_t, int64_t>> points;  // (epoch, accuracy in 0.01%)
};

// Rounded a * b / c for c > 0 and a, b >= 0 (pixel offsets; no overflow at these sizes).
int64_t ScaleRounded(int64_t a, int64_t b, int64_t c) { return (2 * a * b + c) / (2 * c); }

// The smallest 1-2-5 step that covers [lo, hi] with at most kMaxTicks intervals.
int64_t NiceStep(int64_t lo, int64_t hi) {
  for (int64_t decade = 1;; decade *= 10) {
    for (int64_t m : {1, 2, 5}) {
      const int64_t step = m * decade;
      const int64_t first = lo / step;                    // lo >= 0: floor
      const int64_t last = (hi + step - 1) / step;        // ceil
      if (last - first <= kMaxTicks) return step;
    }
  }
}

int64_t FloorTo(int64_t v, int64_t step) { return v / step * step; }
int64_t CeilTo(int64_t v, int64_t step) { return (v + step - 1) / step * step; }

// A y tick label: `v` hundredths of a percent with only the decimals the step needs.
std::string PercentLabel(int64_t v, int64_t step) {
  if (step % 100 == 0) return absl::StrCat(v / 100);
  if (step % 10 == 0) return absl::StrCat(v / 100, ".", (v % 100) / 10);
  return absl::StrCat(v / 100, ".", (v % 100) / 10, v % 10);
}

}  // namespace

std::string EpochCsv(const std::vector<proto::EpochRecord>& history, const std::vector<std::string>& block_names) {
  size_t blocks = block_names.size();
  for (const auto& r : history) blocks = std::max(blocks, static_cast<size_t>(r.block_correct_size()));
  std::string out = "epoch,lr_inv,train_correct,train_total,train_acc_pct";
  for (size_t b = 0; b < blocks; ++b) {
    const std::string name = b < block_names.size() ? block_names[b] : absl::StrCat("block", b + 1);
    absl::StrAppend(&out, ",", CsvField(absl::StrCat(name, "_acc_pct")));
  }
  absl::StrAppend(&out, ",val_correct,val_total,val_acc_pct,test_correct,test_total,test_acc_pct,wall_ms,img_per_s\n");
  for (const auto& r : history) {
    absl::StrAppend(&out, r.epoch(), ",", r.lr_inv(), ",", r.train_correct(), ",", r.train_total(), ",",
                    FormatPercent(r.train_correct(), r.train_total()));
    for (size_t b = 0; b < blocks; ++b) {
      out += ",";
      if (b < static_cast<size_t>(r.block_correct_size())) out += FormatPercent(r.block_correct(b), r.train_total());
    }
    absl::StrAppend(&out, ",", r.val_correct(), ",", r.val_total(), ",", FormatPercent(r.val_correct(), r.val_total()),
                    ",", r.test_correct(), ",", r.test_total(), ",", FormatPercent(r.test_correct(), r.test_total()),
                    ",", r.wall_ms(), ",");
    if (r.wall_ms() > 0) absl::StrAppend(&out, r.train_total() * 1000 / r.wall_ms());
    out += "\n";
  }
  return out;
}

std::string AccuracySvg(const std::vector<proto::EpochRecord>& history, absl::string_view title) {
  std::vector<Series> series = {{"train", "#1f77b4", {}}, {"val", "#ff7f0e", {}}, {"test", "#2ca02c", {}}};
  for (const auto& r : history) {
    auto add = [&](Series& s, int64_t correct, int64_t total) {
      if (total > 0) s.points.emplace_back(r.epoch(), std::clamp<int64_t>(ScaledPercent(correct, total), 0, kFullScale));
    };
    add(series[0], r.train_correct(), r.train_total());
    add(series[1], r.val_correct(), r.val_total());
    add(series[2], r.test_correct(), r.test_total());
  }
  series.erase(std::remove_if(series.begin(), series.end(), [](const Series& s) { return s.points.empty(); }),
               series.end());

  // Data ranges; defaults (0..100%, epoch 1) when there is nothing to draw.
  int64_t v_min = kFullScale, v_max = 0, e_min = INT64_MAX, e_max = INT64_MIN;
  for (const auto& s : series) {
    for (const auto& [e, v] : s.points) {
      v_min = std::min(v_min, v);
      v_max = std::max(v_max, v);
      e_min = std::min(e_min, e);
      e_max = std::max(e_max, e);
    }
  }
  if (series.empty()) {
    v_min = 0;
    v_max = kFullScale;
    e_min = e_max = 1;
  }
  const int64_t y_step = NiceStep(v_min, v_max);
  int64_t y_lo = FloorTo(v_min, y_step);
  int64_t y_hi = CeilTo(v_max, y_step);
  if (y_hi == y_lo) {
    if (y_lo >= y_step) {
      y_lo -= y_step;
    } else {
      y_hi += y_step;
    }
  }
  const int64_t plot_w = kRight - kLeft;
  const int64_t plot_h = kBottom - kTop;
  auto px = [&](int64_t e) {
    if (e_max == e_min) return kLeft + plot_w / 2;
    return kLeft + ScaleRounded(e - e_min, plot_w, e_max - e_min);
  };
  auto py = [&](int64_t v) { return kBottom - ScaleRounded(v - y_lo, plot_h, y_hi - y_lo); };

  std::string out = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", kWidth, "\" height=\"", kHeight, "\" viewBox=\"0 0 ",
      kWidth, " ", kHeight, "\" font-family=\"sans-serif\" font-size=\"12\">\n",
      "<rect x=\"0\" y=\"0\" width=\"", kWidth, "\" height=\"", kHeight, "\" fill=\"white\"/>\n",
      "<text x=\"", (kLeft + kRight) / 2, "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">", XmlEscape(title),
      "</text>\n");

  // Grid and ticks.
  out += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
  for (int64_t v = y_lo; v <= y_hi; v += y_step) {
    absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", py(v), "\" x2=\"", kRight, "\" y2=\"", py(v), "\"/>\n");
  }
  const int64_t x_step = NiceStep(0, e_max - e_min);
  const int64_t x_first = e_min <= 0 ? e_min : CeilTo(e_min, x_step);
  std::vector<int64_t> x_ticks;
  if (e_max == e_min) {
    x_ticks.push_back(e_min);
  } else {
    for (int64_t e = x_first; e <= e_max; e += x_step) x_ticks.push_back(e);
  }
  for (int64_t e : x_ticks) {
    absl::StrAppend(&out, "<line x1=\"", px(e), "\" y1=\"", kTop, "\" x2=\"", px(e), "\" y2=\"", kBottom, "\"/>\n");
  }
  out += "</g>\n";
  out += "<g stroke=\"black\" stroke-width=\"1\">\n";
  absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", kBottom, "\" x2=\"", kRight, "\" y2=\"", kBottom, "\"/>\n");
  absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", kTop, "\" x2=\"", kLeft, "\" y2=\"", kBottom, "\"/>\n");
  for (int64_t v = y_lo; v <= y_hi; v += y_step) {
    absl::StrAppend(&out, "<line x1=\"", kLeft - 5, "\" y1=\"", py(v), "\" x2=\"", kLeft, "\" y2=\"", py(v), "\"/>\n");
  }
  for (int64_t e : x_ticks) {
    absl::StrAppend(&out, "<line x1=\"", px(e), "\" y1=\"", kBottom, "\" x2=\"", px(e), "\" y2=\"", kBottom + 5,
                    "\"/>\n");
  }
  out += "</g>\n";
  out += "<g fill=\"black\">\n";
  for (int64_t v = y_lo; v <= y_hi; v += y_step) {
    absl::StrAppend(&out, "<text x=\"", kLeft - 8, "\" y=\"", py(v) + 4, "\" text-anchor=\"end\">",
                    PercentLabel(v, y_step), "</text>\n");
  }
  for (int64_t e : x_ticks) {
    absl::StrAppend(&out, "<text x=\"", px(e), "\" y=\"", kBottom + 20, "\" text-anchor=\"middle\">", e,
                    "</text>\n");
  }
  absl::StrAppend(&out, "<text x=\"", (kLeft + kRight) / 2, "\" y=\"", kHeight - 20,
                  "\" text-anchor=\"middle\">epoch</text>\n");
  absl::StrAppend(&out, "<text x=\"20\" y=\"", (kTop + kBottom) / 2, "\" text-anchor=\"middle\" transform=\"rotate(-90 20 ",
                  (kTop + kBottom) / 2, ")\">accuracy (%)</text>\n");
  if (series.empty()) {
    absl::StrAppend(&out, "<text x=\"", (kLeft + kRight) / 2, "\" y=\"", (kTop + kBottom) / 2,
                    "\" text-anchor=\"middle\" fill=\"#888888\">no data</text>\n");
  }
  out += "</g>\n";

  // Series and legend.
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", s.color, "\" stroke-width=\"2\" points=\"");
    for (size_t k = 0; k < s.points.size(); ++k) {
      absl::StrAppend(&out, k ? " " : "", px(s.points[k].first), ",", py(s.points[k].second));
    }
    out += "\"/>\n";
    if (s.points.size() == 1) {
      absl::StrAppend(&out, "<circle cx=\"", px(s.points[0].first), "\" cy=\"", py(s.points[0].second),
                      "\" r=\"4\" fill=\"", s.color, "\"/>\n");
    }
    const int64_t ly = kTop + 10 + 22 * static_cast<int64_t>(i);
    const int64_t last = s.points.back().second;
    absl::StrAppend(&out, "<line x1=\"", kLegendX, "\" y1=\"", ly, "\" x2=\"", kLegendX + 24, "\" y2=\"", ly,
                    "\" stroke=\"", s.color, "\" stroke-width=\"2\"/>\n", "<text x=\"", kLegendX + 30, "\" y=\"",
                    ly + 4, "\">", s.name, " ", last / 100, ".", (last % 100) / 10, last % 10, "%</text>\n");
  }
  out += "</svg>\n";
  return out;
}

}  // namespace nitro
