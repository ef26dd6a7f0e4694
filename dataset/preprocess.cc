// The integer input preprocessing of NITRO-D (spec §6.2): shuffle, centre, per-channel mean/MAD
// normalisation to int8, and one-hot targets; plus a held-out validation split.
#include "dataset/preprocess.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "graph/status_macros.h"
#include "random/random_ops.h"

namespace nitro {

PreprocessOptions PreprocessOptionsFor(const proto::Train& tc, int64_t num_classes) {
  PreprocessOptions po;
  if (tc.norm_stat_samples() > 0) po.stats_samples = tc.norm_stat_samples();
  if (tc.norm_scale() > 0) po.scale = tc.norm_scale();
  if (tc.one_hot_value() > 0) po.one_hot_value = tc.one_hot_value();
  po.num_classes = num_classes;
  return po;
}

namespace {

using Lut = std::array<int8_t, 256>;

absl::Status CheckSplit(const Dataset& d, absl::string_view what, int64_t num_classes) {
  if (d.n <= 0 || d.c <= 0 || d.h <= 0 || d.w <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("preprocess: the ", what, " set has shape ", d.n, "x", d.c, "x", d.h, "x", d.w));
  }
  if (static_cast<int64_t>(d.images.size()) != d.n * d.c * d.h * d.w || static_cast<int64_t>(d.labels.size()) != d.n) {
    return absl::InvalidArgumentError(absl::StrCat("preprocess: the ", what, " set has ", d.images.size(),
                                                   " pixel bytes and ", d.labels.size(), " labels for shape ", d.n, "x",
                                                   d.c, "x", d.h, "x", d.w));
  }
  for (uint8_t label : d.labels) {
    if (label >= num_classes) {
      return absl::InvalidArgumentError(
          absl::StrCat("preprocess: the ", what, " set has label ", static_cast<int>(label), " >= ", num_classes));
    }
  }
  return absl::OkStatus();
}

// Maps each raw byte v of one channel to clip(trunc((v - 128 - mean) * scale / mad), -128, 127).
Lut NormalisationTable(int64_t mean, int64_t mad, int64_t scale) {
  Lut lut;
  for (int v = 0; v < 256; ++v) {
    const int64_t t = (v - 128 - mean) * scale / mad;  // C++ division truncates toward zero
    lut[v] = static_cast<int8_t>(std::clamp<int64_t>(t, -128, 127));
  }
  return lut;
}

// Normalises the images of `d` taken in the row order `order` into an int8 [rows, C, H, W] tensor.
Tensor NormaliseRows(const Dataset& d, absl::Span<const int64_t> order, const std::vector<Lut>& luts) {
  Tensor out(kInt8, {static_cast<int64_t>(order.size()), d.c, d.h, d.w});
  const int64_t plane = d.h * d.w;
  int8_t* dst = out.data<int8_t>();
  for (int64_t row : order) {
    const uint8_t* src = d.images.data() + row * d.c * plane;
    for (int64_t c = 0; c < d.c; ++c) {
      const Lut& lut = luts[c];
      for (int64_t i = 0; i < plane; ++i) *dst++ = lut[*src++];
    }
  }
  return out;
}

Tensor OneHot(const std::vector<uint8_t>& labels, int64_t num_classes, int64_t value) {
  Tensor out(kInt8, {static_cast<int64_t>(labels.size()), num_classes});
  for (size_t i = 0; i < labels.size(); ++i) out.Set(i * num_classes + labels[i], value);
  return out;
}

// Rows [begin, end) of a tensor whose first dimension indexes samples.
Tensor SliceRows(const Tensor& t, int64_t begin, int64_t end) {
  Shape shape = t.shape();
  const int64_t row_bytes = t.bytes() / shape[0];
  shape[0] = end - begin;
  Tensor out(t.dtype(), shape);
  std::memcpy(out.raw(), static_cast<const uint8_t*>(t.raw()) + begin * row_bytes, (end - begin) * row_bytes);
  return out;
}

}  // namespace

absl::StatusOr<PreprocessedData> Preprocess(const DatasetSplits& raw, RandomSource& rng,
                                            const PreprocessOptions& options) {
  const Dataset& train = raw.train;
  const Dataset& test = raw.test;
  if (options.stats_samples <= 0 || options.scale <= 0 || options.num_classes <= 0 || options.one_hot_value < -128 ||
      options.one_hot_value > 127) {
    return absl::InvalidArgumentError("preprocess: invalid PreprocessOptions");
  }
  RETURN_IF_ERROR(CheckSplit(train, "training", options.num_classes));
  RETURN_IF_ERROR(CheckSplit(test, "test", options.num_classes));
  if (test.c != train.c || test.h != train.h || test.w != train.w) {
    return absl::InvalidArgumentError("preprocess: the test images differ in shape from training");
  }
  if (train.n > (int64_t{1} << 32)) {
    return absl::InvalidArgumentError("preprocess: more than 2^32 training samples");
  }

  PreprocessedData out;
  // 1. One shuffle of the training set.
  out.source_index.resize(train.n);
  std::iota(out.source_index.begin(), out.source_index.end(), int64_t{0});
  ShuffleSpan(rng, absl::MakeSpan(out.source_index));

  // 3. Per-channel statistics over the first S shuffled samples, exact in int64.
  const int64_t plane = train.h * train.w;
  const int64_t s = std::min(train.n, options.stats_samples);
  const int64_t count = s * plane;
  out.stats_samples = s;
  out.mean.assign(train.c, 0);
  out.mad.assign(train.c, 0);
  std::vector<Lut> luts(train.c);
  for (int64_t c = 0; c < train.c; ++c) {
    // A histogram of the raw bytes gives both sums exactly: sum over v of hist[v] * f(v).
    std::array<int64_t, 256> hist{};
    for (int64_t i = 0; i < s; ++i) {
      const uint8_t* src = train.images.data() + (out.source_index[i] * train.c + c) * plane;
      for (int64_t k = 0; k < plane; ++k) ++hist[src[k]];
    }
    int64_t sum = 0;
    for (int v = 0; v < 256; ++v) sum += hist[v] * (v - 128);
    const int64_t mean = sum / count;  // truncates toward zero, as the reference's tdiv
    int64_t abs_sum = 0;
    for (int v = 0; v < 256; ++v) {
      const int64_t d = v - 128 - mean;
      abs_sum += hist[v] * (d < 0 ? -d : d);
    }
    const int64_t mad = abs_sum / count;
    if (mad == 0) {
      return absl::FailedPreconditionError(absl::StrCat("preprocess: channel ", c,
                                                        " has a mean absolute deviation of 0 over the first ", s,
                                                        " training samples (constant pixels); cannot normalise"));
    }
    out.mean[c] = mean;
    out.mad[c] = mad;
    luts[c] = NormalisationTable(mean, mad, options.scale);
  }

  // 2, 4. Centre and normalise; gather the training rows in shuffled order.
  out.train_x = NormaliseRows(train, out.source_index, luts);
  std::vector<int64_t> test_order(test.n);
  std::iota(test_order.begin(), test_order.end(), int64_t{0});
  out.test_x = NormaliseRows(test, test_order, luts);

  // 5. Labels and one-hot targets.
  out.train_labels.resize(train.n);
  for (int64_t i = 0; i < train.n; ++i) out.train_labels[i] = train.labels[out.source_index[i]];
  out.test_labels = test.labels;
  out.train_y = OneHot(out.train_labels, options.num_classes, options.one_hot_value);
  out.test_y = OneHot(out.test_labels, options.num_classes, options.one_hot_value);
  return out;
}

absl::StatusOr<HeldOutData> HeldOutSplit(const PreprocessedData& data, int64_t n_val) {
  const int64_t n = static_cast<int64_t>(data.train_labels.size());
  if (n_val <= 0 || n_val >= n) {
    return absl::InvalidArgumentError(absl::StrCat("held-out split: need 0 < n_val < ", n, ", got ", n_val));
  }
  if (n_val > n - data.stats_samples) {
    return absl::FailedPreconditionError(
        absl::StrCat("held-out split: the last ", n_val, " samples would overlap the first ", data.stats_samples,
                     " samples that the normalisation statistics used (N = ", n,
                     "); use n_val <= ", n - data.stats_samples, " or fewer stats_samples"));
  }
  const int64_t n_train = n - n_val;
  HeldOutData out;
  out.train_x = SliceRows(data.train_x, 0, n_train);
  out.train_y = SliceRows(data.train_y, 0, n_train);
  out.train_labels.assign(data.train_labels.begin(), data.train_labels.begin() + n_train);
  out.val_x = SliceRows(data.train_x, n_train, n);
  out.val_y = SliceRows(data.train_y, n_train, n);
  out.val_labels.assign(data.train_labels.begin() + n_train, data.train_labels.end());
  return out;
}

}  // namespace nitro
