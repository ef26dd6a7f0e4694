#include "ops/kernels/gemm_s16.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "ops/kernels/gemm_s16_tile.h"
#include "ops/kernels/linear_avx2.h"
#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"

namespace nitro::kernels {

using gemm::TierKernels;
using gemm::TileFn;

// ---------------------------------------------------------------------------------------------
// Tiers.

const char* GemmTierName(GemmTier tier) {
  switch (tier) {
    case GemmTier::kNone: return "portable";
    case GemmTier::kScalar: return "scalar";
    case GemmTier::kAvx2: return "avx2";
    case GemmTier::kAvx512Vnni: return "avx512-vnni";
  }
  return "?";
}

namespace {

bool CpuRuns(GemmTier tier) {
  switch (tier) {
    case GemmTier::kNone:
    case GemmTier::kScalar: return true;
#if defined(__x86_64__) && defined(__GNUC__)
    case GemmTier::kAvx2: return gemm::Avx2Kernels() != nullptr && __builtin_cpu_supports("avx2");
    case GemmTier::kAvx512Vnni:
      return gemm::Avx512VnniKernels() != nullptr && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vnni");
#else
    default: return false;
#endif
  }
  return false;
}

const TierKernels* KernelsOf(GemmTier tier) {
  if (!CpuRuns(tier)) return nullptr;
  switch (tier) {
    case GemmTier::kScalar: return gemm::ScalarKernels();
    case GemmTier::kAvx2: return gemm::Avx2Kernels();
    case GemmTier::kAvx512Vnni: return gemm::Avx512VnniKernels();
    default: return nullptr;
  }
}

GemmTier SelectTier() {
  if (!FastKernelsEnabled()) return GemmTier::kNone;
  GemmTier best = GemmTier::kNone;
  for (GemmTier t : {GemmTier::kAvx2, GemmTier::kAvx512Vnni}) {
    if (CpuRuns(t)) best = t;
  }
  const char* cap = std::getenv("NITRO_KERNEL_TIER");
  if (cap == nullptr) return best;
  if (std::strcmp(cap, "portable") == 0) return GemmTier::kNone;
  if (std::strcmp(cap, "scalar") == 0) return GemmTier::kScalar;
  if (std::strcmp(cap, "avx2") == 0) return CpuRuns(GemmTier::kAvx2) ? GemmTier::kAvx2 : GemmTier::kNone;
  return best;  // "avx512" or anything else: the best tier
}

}  // namespace

GemmTier ActiveGemmTier() {
  static const GemmTier tier = SelectTier();
  return tier;
}

std::vector<GemmTier> RunnableGemmTiers() {
  std::vector<GemmTier> tiers;
  for (GemmTier t : {GemmTier::kScalar, GemmTier::kAvx2, GemmTier::kAvx512Vnni}) {
    if (KernelsOf(t) != nullptr) tiers.push_back(t);
  }
  return tiers;
}

// ---------------------------------------------------------------------------------------------
// The scalar tier: the micro-kernel contract in plain C++ (uint32 arithmetic wraps by definition).

namespace gemm {
namespace {

inline int32_t DotPair(int32_t a, int32_t b) {
  const int32_t a0 = static_cast<int16_t>(static_cast<uint32_t>(a) & 0xffffu);
  const int32_t a1 = static_cast<int16_t>(static_cast<uint32_t>(a) >> 16);
  const int32_t b0 = static_cast<int16_t>(static_cast<uint32_t>(b) & 0xffffu);
  const int32_t b1 = static_cast<int16_t>(static_cast<uint32_t>(b) >> 16);
  return static_cast<int32_t>(static_cast<uint32_t>(a0 * b0) + static_cast<uint32_t>(a1 * b1));
}

constexpr int kScalarLanes = 8;

template <int R, int V>
void ScalarTile(const int32_t* const* rows, const int64_t* koff, int64_t steps, const int32_t* panel, int32_t* out) {
  constexpr int kCols = kScalarLanes * V;
  uint32_t acc[R][kCols] = {};
  for (int64_t s = 0; s < steps; ++s) {
    const int32_t* p = panel + s * kCols;
    for (int r = 0; r < R; ++r) {
      const int32_t a = rows[r][koff[s]];
      for (int j = 0; j < kCols; ++j) acc[r][j] += static_cast<uint32_t>(DotPair(a, p[j]));
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kCols; ++j) out[r * kCols + j] = static_cast<int32_t>(acc[r][j]);
  }
}

TierKernels MakeScalar() {
  TierKernels k{"scalar", kScalarLanes, 3, 2, {}};
  k.fn[0][0] = &ScalarTile<1, 1>;
  k.fn[0][1] = &ScalarTile<1, 2>;
  k.fn[1][0] = &ScalarTile<2, 1>;
  k.fn[1][1] = &ScalarTile<2, 2>;
  k.fn[2][0] = &ScalarTile<3, 1>;
  k.fn[2][1] = &ScalarTile<3, 2>;
  return k;
}

}  // namespace

const TierKernels* ScalarKernels() {
  static const TierKernels k = MakeScalar();
  return &k;
}

}  // namespace gemm

// ---------------------------------------------------------------------------------------------
// Packed weight panels.

namespace {

// A 64-byte aligned array of 32-bit words.
class Words {
 public:
  Words() = default;
  explicit Words(int64_t n) : p_(static_cast<int32_t*>(std::aligned_alloc(64, Round64(n)))) {}
  ~Words() { std::free(p_); }
  Words(Words&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Words& operator=(Words&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  int32_t* get() const { return p_; }

 private:
  static size_t Round64(int64_t n) { return static_cast<size_t>((std::max<int64_t>(n, 1) * 4 + 63) / 64 * 64); }
  int32_t* p_ = nullptr;
};

// One 32-bit word holding the int16 pair (e0, e1): e0 in the low half, as the micro-kernels read it.
inline int32_t Word(int32_t e0, int32_t e1) {
  return static_cast<int32_t>((static_cast<uint32_t>(e0) & 0xffffu) | (static_cast<uint32_t>(e1) << 16));
}

// w ≡ Hi16(w)·2^16 + Lo16(w) (mod 2^32) with both parts in int16; Hi16 is 0 when w fits int16.
inline int32_t Lo16(int32_t w) { return static_cast<int16_t>(static_cast<uint32_t>(w) & 0xffffu); }
inline int32_t Hi16(int32_t w) {
  return static_cast<int16_t>((static_cast<uint32_t>(w) - static_cast<uint32_t>(Lo16(w))) >> 16);
}

bool FitsInt16(const int32_t* w, int64_t n) {
  int32_t mn = INT32_MAX, mx = INT32_MIN;
  for (int64_t k = 0; k < n; ++k) {
    mn = w[k] < mn ? w[k] : mn;
    mx = w[k] > mx ? w[k] : mx;
  }
  return n == 0 || (mn >= INT16_MIN && mx <= INT16_MAX);
}

}  // namespace

// cols output columns (filters, or Linear outputs) × steps int16 pairs, cut into blocks of
// block_cols columns (the kernel's full tile width; the last block is narrower, padded with zero
// columns to whole vectors). Block b holds [steps][width(b)] words from word b·block_cols·steps.
struct PackedPanel {
  const TierKernels* k = nullptr;
  int64_t cols = 0, steps = 0, block_cols = 0;
  int planes = 1;
  Words lo, hi;  // hi only when planes == 2

  int64_t blocks() const { return (cols + block_cols - 1) / block_cols; }
  int64_t Width(int64_t b) const {
    const int64_t padded = (cols + k->lanes - 1) / k->lanes * k->lanes;
    return std::min(block_cols, padded - b * block_cols);
  }
  int64_t Offset(int64_t b) const { return b * block_cols * steps; }
};

namespace {

// fetch(col, step, &e0, &e1) yields the two int32 weights of a step (0 for padding).
template <typename Fetch>
std::unique_ptr<PackedPanel> Pack(const TierKernels* k, int64_t cols, int64_t steps, bool fits16, const Fetch& fetch) {
  auto p = std::make_unique<PackedPanel>();
  p->k = k;
  p->cols = cols;
  p->steps = steps;
  p->block_cols = int64_t{k->lanes} * k->max_vectors;
  p->planes = fits16 ? 1 : 2;
  const int64_t words = (cols + k->lanes - 1) / k->lanes * k->lanes * steps;
  p->lo = Words(words);
  if (!fits16) p->hi = Words(words);
  PackedPanel* pp = p.get();
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, p->blocks()), [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t b = r.begin(); b < r.end(); ++b) {
      const int64_t width = pp->Width(b);
      int32_t* lo = pp->lo.get() + pp->Offset(b);
      int32_t* hi = fits16 ? nullptr : pp->hi.get() + pp->Offset(b);
      for (int64_t s = 0; s < steps; ++s) {
        for (int64_t j = 0; j < width; ++j) {
          const int64_t col = b * pp->block_cols + j;
          int32_t e0 = 0, e1 = 0;
          if (col < cols) fetch(col, s, &e0, &e1);
          lo[s * width + j] = Word(Lo16(e0), Lo16(e1));
          if (hi) hi[s * width + j] = Word(Hi16(e0), Hi16(e1));
        }
      }
    }
  });
  return p;
}

// Runs every tile of nrows rows against the panel. rows.Pointer(g) is row g's broadcast operand
// (koff is relative to it), rows.Output(g) its output, with consecutive columns rows.col_stride
// apart. Tasks take ranges of row tiles and, within a range, finish one column block before the
// next, so that block's panel stays in the core's cache.
template <typename Rows>
void RunTiles(const PackedPanel& p, const int64_t* koff, int64_t nrows, const Rows& rows) {
  const TierKernels& k = *p.k;
  const int64_t R = k.max_rows;
  const int64_t ntiles = (nrows + R - 1) / R;
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, ntiles), [&](const tbb::blocked_range<int64_t>& range) {
    alignas(64) int32_t lo[gemm::kMaxTileRows * gemm::kMaxTileVectors * 16];
    alignas(64) int32_t hi[gemm::kMaxTileRows * gemm::kMaxTileVectors * 16];
    const int32_t* ptr[gemm::kMaxTileRows];
    for (int64_t b = 0; b < p.blocks(); ++b) {
      const int64_t width = p.Width(b);
      const int64_t col0 = b * p.block_cols;
      const int64_t ncols = std::min(width, p.cols - col0);
      const int vectors = static_cast<int>(width / k.lanes);
      for (int64_t t = range.begin(); t < range.end(); ++t) {
        const int64_t g0 = t * R;
        const int n = static_cast<int>(std::min(R, nrows - g0));
        for (int r = 0; r < n; ++r) ptr[r] = rows.Pointer(g0 + r);
        const TileFn fn = k.fn[n - 1][vectors - 1];
        fn(ptr, koff, p.steps, p.lo.get() + p.Offset(b), lo);
        if (p.planes == 2) fn(ptr, koff, p.steps, p.hi.get() + p.Offset(b), hi);
        for (int r = 0; r < n; ++r) {
          uint32_t* out = reinterpret_cast<uint32_t*>(rows.Output(g0 + r)) + col0 * rows.col_stride;
          const int32_t* l = lo + r * width;
          if (p.planes == 2) {
            const int32_t* h = hi + r * width;
            for (int64_t j = 0; j < ncols; ++j) {
              out[j * rows.col_stride] = (static_cast<uint32_t>(h[j]) << 16) + static_cast<uint32_t>(l[j]);
            }
          } else {
            for (int64_t j = 0; j < ncols; ++j) out[j * rows.col_stride] = static_cast<uint32_t>(l[j]);
          }
        }
      }
    }
  });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Convolution.

namespace {

// Words of one image in the padded pair layout: [ceil(C/2)][H + 2·pad][W + 2·pad], word
// (cp, y, x) = (x[2cp][y - pad][x - pad], x[2cp + 1][y - pad][x - pad]), zero outside the image
// and for the missing partner of an odd last channel.
int64_t PaddedWords(const ConvDims& d) { return (d.C + 1) / 2 * (d.H + 2 * d.pad) * (d.W + 2 * d.pad); }

template <typename X>
void PadPlane(const X* img, const ConvDims& d, int64_t cp, int32_t* dst) {
  const int64_t Hp = d.H + 2 * d.pad, Wp = d.W + 2 * d.pad;
  const X* x0 = img + (2 * cp) * d.H * d.W;
  const X* x1 = 2 * cp + 1 < d.C ? x0 + d.H * d.W : nullptr;
  for (int64_t yp = 0; yp < Hp; ++yp) {
    int32_t* row = dst + yp * Wp;
    const int64_t y = yp - d.pad;
    if (y < 0 || y >= d.H) {
      std::fill(row, row + Wp, 0);
      continue;
    }
    std::fill(row, row + d.pad, 0);
    std::fill(row + d.pad + d.W, row + Wp, 0);
    const X* a = x0 + y * d.W;
    int32_t* out = row + d.pad;
    if (x1) {
      const X* b = x1 + y * d.W;
      for (int64_t x = 0; x < d.W; ++x) out[x] = Word(a[x], b[x]);
    } else {
      for (int64_t x = 0; x < d.W; ++x) out[x] = Word(a[x], 0);
    }
  }
}

// The converted images of one group stay within about this many words (at least one image).
constexpr int64_t kGroupWords = int64_t{1} << 19;

struct ConvRows {
  const int32_t* padded;  // the group's converted images
  int32_t* z;             // the group's first output image
  int64_t img_words, Wp, Wo, HW, F;
  int64_t col_stride;     // HW: consecutive filters of one pixel
  const int32_t* Pointer(int64_t g) const {
    const int64_t b = g / HW, p = g % HW;
    return padded + b * img_words + (p / Wo) * Wp + p % Wo;
  }
  int32_t* Output(int64_t g) const { return z + (g / HW) * F * HW + g % HW; }
};

}  // namespace

ConvS16::ConvS16(const int32_t* w, const ConvDims& d, GemmTier tier) : d_(d) {
  const TierKernels* k = KernelsOf(tier);
  if (k == nullptr || d.C <= 0 || d.F <= 0 || d.Ho() <= 0 || d.Wo() <= 0) return;
  const int64_t T = d.KH * d.KW, Cp = (d.C + 1) / 2;
  const int64_t Hp = d.H + 2 * d.pad, Wp = d.W + 2 * d.pad;
  // Step s = cp·T + t: the channel pair outermost, so the taps of one pair read neighbouring words.
  koff_.resize(Cp * T);
  for (int64_t cp = 0; cp < Cp; ++cp) {
    for (int64_t t = 0; t < T; ++t) koff_[cp * T + t] = cp * Hp * Wp + (t / d.KW) * Wp + t % d.KW;
  }
  const int64_t C = d.C;
  panel_ = Pack(k, d.F, Cp * T, FitsInt16(w, d.F * C * T), [&](int64_t f, int64_t s, int32_t* e0, int32_t* e1) {
    const int64_t c = 2 * (s / T), t = s % T;
    *e0 = w[(f * C + c) * T + t];
    *e1 = c + 1 < C ? w[(f * C + c + 1) * T + t] : 0;
  });
}

ConvS16::~ConvS16() = default;

int ConvS16::planes() const { return panel_ ? panel_->planes : 0; }

template <typename X>
bool ConvS16::ForwardImpl(const X* x, int32_t* z, int64_t batch) const {
  if (!ok()) return false;
  const ConvDims& d = d_;
  const int64_t img_words = PaddedWords(d), Cp = (d.C + 1) / 2;
  const int64_t group = std::max<int64_t>(1, std::min<int64_t>(batch, kGroupWords / img_words));
  Words padded(group * img_words);
  const int64_t HW = d.Ho() * d.Wo();
  for (int64_t b0 = 0; b0 < batch; b0 += group) {
    const int64_t n = std::min(group, batch - b0);
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, n * Cp), [&](const tbb::blocked_range<int64_t>& r) {
      for (int64_t q = r.begin(); q < r.end(); ++q) {
        const int64_t b = q / Cp, cp = q % Cp;
        PadPlane(x + (b0 + b) * d.C * d.H * d.W, d, cp, padded.get() + b * img_words + cp * img_words / Cp);
      }
    });
    const ConvRows rows{padded.get(), z + b0 * d.F * HW, img_words, d.W + 2 * d.pad, d.Wo(), HW, d.F, HW};
    RunTiles(*panel_, koff_.data(), n * HW, rows);
  }
  return true;
}

bool ConvS16::Forward(const int8_t* x, int32_t* z, int64_t batch) const { return ForwardImpl(x, z, batch); }
bool ConvS16::Forward(const int16_t* x, int32_t* z, int64_t batch) const { return ForwardImpl(x, z, batch); }

bool Conv2DForwardS16(const int8_t* x, const int32_t* w, int32_t* z, const ConvDims& d, GemmTier tier) {
  const ConvS16 conv(w, d, tier);
  return conv.Forward(x, z, d.B);
}
bool Conv2DForwardS16(const int16_t* x, const int32_t* w, int32_t* z, const ConvDims& d, GemmTier tier) {
  const ConvS16 conv(w, d, tier);
  return conv.Forward(x, z, d.B);
}

// ---------------------------------------------------------------------------------------------
// Linear.

namespace {

struct LinearRows {
  const int32_t* x;  // [B][steps] pair words
  int32_t* z;
  int64_t steps, O;
  int64_t col_stride = 1;
  const int32_t* Pointer(int64_t g) const { return x + g * steps; }
  int32_t* Output(int64_t g) const { return z + g * O; }
};

template <typename X>
bool LinearForwardImpl(const X* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  const TierKernels* k = KernelsOf(tier);
  if (k == nullptr || I <= 0 || O <= 0 || B <= 0) return false;
  const int64_t S = (I + 1) / 2;
  auto panel = Pack(k, O, S, FitsInt16(w, O * I), [&](int64_t o, int64_t s, int32_t* e0, int32_t* e1) {
    *e0 = w[o * I + 2 * s];
    *e1 = 2 * s + 1 < I ? w[o * I + 2 * s + 1] : 0;
  });
  Words xs(B * S);
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, B), [&](const tbb::blocked_range<int64_t>& r) {
    for (int64_t b = r.begin(); b < r.end(); ++b) {
      const X* src = x + b * I;
      int32_t* dst = xs.get() + b * S;
      for (int64_t s = 0; s < I / 2; ++s) dst[s] = Word(src[2 * s], src[2 * s + 1]);
      if (I % 2) dst[S - 1] = Word(src[I - 1], 0);
    }
  });
  std::vector<int64_t> koff(S);
  for (int64_t s = 0; s < S; ++s) koff[s] = s;
  RunTiles(*panel, koff.data(), B, LinearRows{xs.get(), z, S, O});
  return true;
}

}  // namespace

bool LinearForwardS16(const int8_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  return LinearForwardImpl(x, w, z, B, I, O, tier);
}
bool LinearForwardS16(const int16_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O,
                      GemmTier tier) {
  return LinearForwardImpl(x, w, z, B, I, O, tier);
}

}  // namespace nitro::kernels
