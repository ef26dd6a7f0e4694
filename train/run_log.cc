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
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// ---- chart geometry (pixels) ----
constexpr int64_t kWidth = 760;
constexpr int64_t kHeight = 440;
constexpr int64_t kLeft = 70;  // plot area
constexpr int64_t kRight = kWidth - 170;
constexpr int64_t kTop = 50;
constexpr int64_t kBottom = kHeight - 60;
constexpr int64_t kLegendX = kRight + 20;
constexpr int64_t kMaxTicks = 10;
constexpr int64_t kFullScale = 10000;  // 100% in hundredths of a percent

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
      const int64_t first = lo / step;              // lo >= 0: floor
      const int64_t last = (hi + step - 1) / step;  // ceil
      if (last - first <= kMaxTicks) return step;
    }
  }
}

int64_t FloorTo(int64_t v, int64_t step) { return v / step * step; }
int64_t CeilTo(int64_t v, int64_t step) { return (v + step - 1) / step * step; }

// A y tick label: `v` hundredths of a percent with only the decimals the step needs. v is a
// multiple of the step, so FormatPercent's rounding never applies.
std::string PercentLabel(int64_t v, int64_t step) {
  const int decimals = step % 100 == 0 ? 0 : (step % 10 == 0 ? 1 : 2);
  return FormatPercent(v, kFullScale, decimals);
}

// The train / val / test series, each point an accuracy in 0.01 % clamped to [0, 100 %]; series
// without any point are left out.
std::vector<Series> CollectSeries(const std::vector<proto::EpochRecord>& history) {
  std::vector<Series> series = {{"train", "#1f77b4", {}}, {"val", "#ff7f0e", {}}, {"test", "#2ca02c", {}}};
  for (const auto& r : history) {
    auto add = [&](Series& s, int64_t correct, int64_t total) {
      if (total <= 0) return;
      s.points.emplace_back(r.epoch(), std::clamp<int64_t>(ScaledPercent(correct, total), 0, kFullScale));
    };
    add(series[0], r.train_correct(), r.train_total());
    add(series[1], r.val_correct(), r.val_total());
    add(series[2], r.test_correct(), r.test_total());
  }
  series.erase(std::remove_if(series.begin(), series.end(), [](const Series& s) { return s.points.empty(); }),
               series.end());
  return series;
}

// The plotted ranges and ticks, and the mapping of (epoch, accuracy) to pixels.
struct Chart {
  int64_t y_lo = 0, y_hi = 0, y_step = 0;  // accuracy axis, in 0.01 %
  int64_t e_min = 0, e_max = 0;            // epoch axis
  std::vector<int64_t> x_ticks;

  int64_t Px(int64_t e) const {
    if (e_max == e_min) return kLeft + (kRight - kLeft) / 2;
    return kLeft + ScaleRounded(e - e_min, kRight - kLeft, e_max - e_min);
  }
  int64_t Py(int64_t v) const { return kBottom - ScaleRounded(v - y_lo, kBottom - kTop, y_hi - y_lo); }
};

// Data ranges snapped to round steps; defaults (0..100 %, epoch 1) when there is nothing to draw.
Chart ChooseChart(const std::vector<Series>& series) {
  int64_t v_min = kFullScale, v_max = 0;
  Chart c;
  c.e_min = INT64_MAX;
  c.e_max = INT64_MIN;
  for (const auto& s : series) {
    for (const auto& [e, v] : s.points) {
      v_min = std::min(v_min, v);
      v_max = std::max(v_max, v);
      c.e_min = std::min(c.e_min, e);
      c.e_max = std::max(c.e_max, e);
    }
  }
  if (series.empty()) {
    v_min = 0;
    v_max = kFullScale;
    c.e_min = c.e_max = 1;
  }
  c.y_step = NiceStep(v_min, v_max);
  c.y_lo = FloorTo(v_min, c.y_step);
  c.y_hi = CeilTo(v_max, c.y_step);
  if (c.y_hi == c.y_lo) {
    if (c.y_lo >= c.y_step) {
      c.y_lo -= c.y_step;
    } else {
      c.y_hi += c.y_step;
    }
  }
  if (c.e_max == c.e_min) {
    c.x_ticks.push_back(c.e_min);
  } else {
    const int64_t x_step = NiceStep(0, c.e_max - c.e_min);
    const int64_t x_first = c.e_min <= 0 ? c.e_min : CeilTo(c.e_min, x_step);
    for (int64_t e = x_first; e <= c.e_max; e += x_step) c.x_ticks.push_back(e);
  }
  return c;
}

void AppendHeader(absl::string_view title, std::string& out) {
  absl::StrAppend(&out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", kWidth, "\" height=\"", kHeight,
                  "\" viewBox=\"0 0 ", kWidth, " ", kHeight, "\" font-family=\"sans-serif\" font-size=\"12\">\n",
                  "<rect x=\"0\" y=\"0\" width=\"", kWidth, "\" height=\"", kHeight, "\" fill=\"white\"/>\n",
                  "<text x=\"", (kLeft + kRight) / 2, "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">",
                  XmlEscape(title), "</text>\n");
}

// The grid lines, then the axes with their tick marks.
void AppendGridAndAxes(const Chart& c, std::string& out) {
  out += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n";
  for (int64_t v = c.y_lo; v <= c.y_hi; v += c.y_step) {
    absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", c.Py(v), "\" x2=\"", kRight, "\" y2=\"", c.Py(v), "\"/>\n");
  }
  for (int64_t e : c.x_ticks) {
    absl::StrAppend(&out, "<line x1=\"", c.Px(e), "\" y1=\"", kTop, "\" x2=\"", c.Px(e), "\" y2=\"", kBottom, "\"/>\n");
  }
  out += "</g>\n";
  out += "<g stroke=\"black\" stroke-width=\"1\">\n";
  absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", kBottom, "\" x2=\"", kRight, "\" y2=\"", kBottom, "\"/>\n");
  absl::StrAppend(&out, "<line x1=\"", kLeft, "\" y1=\"", kTop, "\" x2=\"", kLeft, "\" y2=\"", kBottom, "\"/>\n");
  for (int64_t v = c.y_lo; v <= c.y_hi; v += c.y_step) {
    absl::StrAppend(&out, "<line x1=\"", kLeft - 5, "\" y1=\"", c.Py(v), "\" x2=\"", kLeft, "\" y2=\"", c.Py(v),
                    "\"/>\n");
  }
  for (int64_t e : c.x_ticks) {
    absl::StrAppend(&out, "<line x1=\"", c.Px(e), "\" y1=\"", kBottom, "\" x2=\"", c.Px(e), "\" y2=\"", kBottom + 5,
                    "\"/>\n");
  }
  out += "</g>\n";
}

// Tick labels, axis titles and, without data, a "no data" note.
void AppendLabels(const Chart& c, bool empty, std::string& out) {
  out += "<g fill=\"black\">\n";
  for (int64_t v = c.y_lo; v <= c.y_hi; v += c.y_step) {
    absl::StrAppend(&out, "<text x=\"", kLeft - 8, "\" y=\"", c.Py(v) + 4, "\" text-anchor=\"end\">",
                    PercentLabel(v, c.y_step), "</text>\n");
  }
  for (int64_t e : c.x_ticks) {
    absl::StrAppend(&out, "<text x=\"", c.Px(e), "\" y=\"", kBottom + 20, "\" text-anchor=\"middle\">", e, "</text>\n");
  }
  absl::StrAppend(&out, "<text x=\"", (kLeft + kRight) / 2, "\" y=\"", kHeight - 20,
                  "\" text-anchor=\"middle\">epoch</text>\n");
  absl::StrAppend(&out, "<text x=\"20\" y=\"", (kTop + kBottom) / 2,
                  "\" text-anchor=\"middle\" transform=\"rotate(-90 20 ", (kTop + kBottom) / 2,
                  ")\">accuracy (%)</text>\n");
  if (empty) {
    absl::StrAppend(&out, "<text x=\"", (kLeft + kRight) / 2, "\" y=\"", (kTop + kBottom) / 2,
                    "\" text-anchor=\"middle\" fill=\"#888888\">no data</text>\n");
  }
  out += "</g>\n";
}

// Series `i`: its line (a dot when it has one point) and its legend entry with the last value.
void AppendSeries(const Chart& c, const Series& s, size_t i, std::string& out) {
  absl::StrAppend(&out, "<polyline fill=\"none\" stroke=\"", s.color, "\" stroke-width=\"2\" points=\"");
  for (size_t k = 0; k < s.points.size(); ++k) {
    absl::StrAppend(&out, k ? " " : "", c.Px(s.points[k].first), ",", c.Py(s.points[k].second));
  }
  out += "\"/>\n";
  if (s.points.size() == 1) {
    absl::StrAppend(&out, "<circle cx=\"", c.Px(s.points[0].first), "\" cy=\"", c.Py(s.points[0].second),
                    "\" r=\"4\" fill=\"", s.color, "\"/>\n");
  }
  const int64_t ly = kTop + 10 + 22 * static_cast<int64_t>(i);
  absl::StrAppend(&out, "<line x1=\"", kLegendX, "\" y1=\"", ly, "\" x2=\"", kLegendX + 24, "\" y2=\"", ly,
                  "\" stroke=\"", s.color, "\" stroke-width=\"2\"/>\n", "<text x=\"", kLegendX + 30, "\" y=\"", ly + 4,
                  "\">", s.name, " ", FormatPercent(s.points.back().second, kFullScale), "%</text>\n");
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
  const std::vector<Series> series = CollectSeries(history);
  const Chart chart = ChooseChart(series);
  std::string out;
  AppendHeader(title, out);
  AppendGridAndAxes(chart, out);
  AppendLabels(chart, series.empty(), out);
  for (size_t i = 0; i < series.size(); ++i) AppendSeries(chart, series[i], i, out);
  out += "</svg>\n";
  return out;
}

}  // namespace nitro
