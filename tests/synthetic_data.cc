// Test-only: deterministic, learnable in-memory image data sets, so tests never need downloaded data.
#include "tests/synthetic_data.h"

#include <algorithm>

namespace nitro {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a tiny integer generator, good enough for test noise.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n] (modulo bias is irrelevant for test noise).
  int64_t Upto(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n + 1)); }

 private:
  uint64_t state_;
};

bool InBar(int64_t k, int64_t classes, int64_t h, int64_t w, int64_t y, int64_t x) {
  const int64_t bands = (classes + 1) / 2;
  const int64_t band = k / 2;
  const int64_t y0 = band * h / bands, y1 = (band + 1) * h / bands;
  if (y < y0 || y >= y1) return false;
  const int64_t q = w / 4;
  if (k % 2 == 0) return x >= q && x < w - q;  // central bar
  return x < q || x >= w - q;                  // two edge bars
}

Dataset MakeSplit(const SyntheticOptions& o, int64_t n, uint64_t stream) {
  Dataset d;
  d.n = n;
  d.c = o.c;
  d.h = o.h;
  d.w = o.w;
  d.images.resize(static_cast<size_t>(n * o.c * o.h * o.w));
  d.labels.resize(static_cast<size_t>(n));
  SplitMix64 rng(o.seed * 0x100000001B3ULL + stream);
  uint8_t* px = d.images.data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = i % o.classes;
    d.labels[i] = static_cast<uint8_t>(k);
    for (int64_t ch = 0; ch < o.c; ++ch) {
      for (int64_t y = 0; y < o.h; ++y) {
        for (int64_t x = 0; x < o.w; ++x) {
          const int64_t base = InBar(k, o.classes, o.h, o.w, y, x) ? 150 : 16;
          *px++ = static_cast<uint8_t>(std::min<int64_t>(255, base + 8 * ch + rng.Upto(o.noise)));
        }
      }
    }
  }
  return d;
}

}  // namespace

DatasetSplits MakeSyntheticData(const SyntheticOptions& options) {
  DatasetSplits s;
  s.train = MakeSplit(options, options.n_train, 1);
  s.test = MakeSplit(options, options.n_test, 2);
  return s;
}

}  // namespace nitro
