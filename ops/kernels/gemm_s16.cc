#include "ops/kernels/gemm_s16.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "ops/kernels/gemm_s16_tile.h"
#include "ops/kernels/linear_avx2.h"
#include "ops/kernels/parallel_for.h"

namespace nitro::kernels {

using gemm::TierKernels;
using gemm::TileFn;

// ---------------------------------------------------------------------------------------------
// Tiers.

const char* GemmTierName(GemmTier tier) {
  switch (tier) {
    case GemmTier::kNone:
      return "portable";
    case GemmTier::kScalar:
      return "scalar";
    case GemmTier::kAvx2:
      return "avx2";
    case GemmTier::kAvx512Vnni:
      return "avx512-vnni";
  }
  return "?";
}

namespace {

bool CpuRuns(GemmTier tier) {
  switch (tier) {
    case GemmTier::kNone:
    case GemmTier::kScalar:
      return true;
#if defined(__x86_64__) && defined(__GNUC__)
    case GemmTier::kAvx2:
      return gemm::Avx2Kernels() != nullptr && __builtin_cpu_supports("avx2");
    case GemmTier::kAvx512Vnni:
      return gemm::Avx512VnniKernels() != nullptr && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512vnni");
#else
    default:
      return false;
#endif
  }
  return false;
}

const TierKernels* KernelsOf(GemmTier tier) {
  if (!CpuRuns(tier)) return nullptr;
  switch (tier) {
    case GemmTier::kScalar:
      return gemm::ScalarKernels();
    case GemmTier::kAvx2:
      return gemm::Avx2Kernels();
    case GemmTier::kAvx512Vnni:
      return gemm::Avx512VnniKernels();
    default:
      return nullptr;
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

constexpr int kScalarLanes = 8;

template <int R, int V>
void ScalarTile(const int32_t* const* rows, const int64_t* koff, int64_t steps, const int32_t* panel, int32_t* out,
                bool accumulate) {
  constexpr int kCols = kScalarLanes * V;
  uint32_t acc[R][kCols];
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kCols; ++j) acc[r][j] = accumulate ? static_cast<uint32_t>(out[r * kCols + j]) : 0u;
  }
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

template <int NP, bool WIDE>
void ScalarPatchPass(uint32_t* ak, const int32_t* lo, const int32_t* hi, const int8_t* const* xa,
                     const int8_t* const* xb, int64_t o, int64_t len) {
  PatchPassTail<NP, WIDE>(ak, lo, hi, xa, xb, o, 0, len);
}

template <int NP>
void FillScalarPatchPasses(TierKernels& k) {
  k.patch_pass[NP - 1][0] = &ScalarPatchPass<NP, false>;
  k.patch_pass[NP - 1][1] = &ScalarPatchPass<NP, true>;
  if constexpr (NP > 1) FillScalarPatchPasses<NP - 1>(k);
}

TierKernels MakeScalar() {
  TierKernels k{"scalar", kScalarLanes, 3, 2, {}, &StoreTransposedScalar};
  FillScalarPatchPasses<kMaxPatchPairs>(k);
  k.fn[0][0] = &ScalarTile<1, 1>;
  k.fn[0][1] = &ScalarTile<1, 2>;
  k.fn[1][0] = &ScalarTile<2, 1>;
  k.fn[1][1] = &ScalarTile<2, 2>;
  k.fn[2][0] = &ScalarTile<3, 1>;
  k.fn[2][1] = &ScalarTile<3, 2>;
  return k;
}

}  // namespace

void StoreTransposedScalar(const uint32_t* lo, const uint32_t* hi, int64_t width, int64_t n, int64_t ncols,
                           uint32_t* out, int64_t cs) {
  for (int64_t j = 0; j < ncols; ++j) {
    for (int64_t r = 0; r < n; ++r) {
      out[j * cs + r] = hi ? (hi[r * width + j] << 16) + lo[r * width + j] : lo[r * width + j];
    }
  }
}

const TierKernels* ScalarKernels() {
  static const TierKernels k = MakeScalar();
  return &k;
}

}  // namespace gemm

// ---------------------------------------------------------------------------------------------
// Packed weight panels.

namespace {

// Recycles the large scratch arrays (packed panels, converted activations) between calls: the
// page faults of a fresh multi-megabyte allocation cost more than a small layer's arithmetic.
// Every user writes a whole array before reading it, so what a recycled array held never matters.
class WordPool {
 public:
  static WordPool& Get() {
    static WordPool* pool = new WordPool;  // never destroyed: arrays may be returned at exit
    return *pool;
  }
  // An array of at least `bytes` bytes (a multiple of 64), 64-byte aligned.
  int32_t* Take(size_t bytes, size_t* got) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t best = free_.size();
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].bytes >= bytes && (best == free_.size() || free_[i].bytes < free_[best].bytes)) best = i;
      }
      if (best < free_.size()) {
        const Entry e = free_[best];
        free_.erase(free_.begin() + best);
        held_ -= e.bytes;
        *got = e.bytes;
        return e.p;
      }
    }
    *got = bytes;
    return static_cast<int32_t*>(std::aligned_alloc(64, bytes));
  }
  void Give(int32_t* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    // Keep at most kMaxBytes: drop the smallest arrays first.
    free_.push_back({p, bytes});
    held_ += bytes;
    while (held_ > kMaxBytes) {
      size_t small = 0;
      for (size_t i = 1; i < free_.size(); ++i) small = free_[i].bytes < free_[small].bytes ? i : small;
      held_ -= free_[small].bytes;
      std::free(free_[small].p);
      free_.erase(free_.begin() + small);
    }
  }

 private:
  static constexpr size_t kMaxBytes = size_t{16} << 20;
  struct Entry {
    int32_t* p;
    size_t bytes;
  };
  std::mutex mu_;
  std::vector<Entry> free_;
  size_t held_ = 0;
};

// A 64-byte aligned array of 32-bit words from the pool.
class Words {
 public:
  Words() = default;
  explicit Words(int64_t n) { p_ = WordPool::Get().Take(Round64(n), &bytes_); }
  ~Words() {
    if (p_) WordPool::Get().Give(p_, bytes_);
  }
  Words(Words&& o) noexcept : p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr; }
  Words& operator=(Words&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  int32_t* get() const { return p_; }

 private:
  static size_t Round64(int64_t n) { return static_cast<size_t>((std::max<int64_t>(n, 1) * 4 + 63) / 64 * 64); }
  int32_t* p_ = nullptr;
  size_t bytes_ = 0;
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

// out[i] = the pair word of (a[i·stride], b[i·stride]) for i < n, b == nullptr meaning a zero
// partner: the Lo16 parts, or the Hi16 parts when hi. Returns whether some value does not fit
// int16 (only computed for the lo parts).
template <typename T>
bool PairWords(const T* a, const T* b, int64_t stride, int64_t n, bool hi, uint32_t* out) {
  bool wide = false;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t e0 = a[i * stride], e1 = b ? static_cast<int32_t>(b[i * stride]) : 0;
    if (hi) {
      out[i] = static_cast<uint32_t>(Word(Hi16(e0), Hi16(e1)));
    } else {
      out[i] = static_cast<uint32_t>(Word(e0, e1));
      wide |= (e0 != Lo16(e0)) | (e1 != Lo16(e1));
    }
  }
  return wide;
}

// Steps packed per pass of PackPlane: the pair words of a block's columns for this many steps are
// built column by column (each column's weights are contiguous in memory), then the tier's
// transposing store writes them into the panel's step-major rows.
constexpr int64_t kPackSteps = 1024;

// Writes one plane of the panel (hi: the Hi16 parts, else the Lo16 parts). Returns whether some
// value does not fit int16 (the lo plane alone then is not exact).
template <typename Fetch>
bool PackPlane(PackedPanel* p, bool hi, const Fetch& fetch) {
  std::atomic<bool> wide{false};
  ParallelFor(IndexRange(0, p->blocks()), [&](const IndexRange& r) {
    std::vector<uint32_t> cols(p->block_cols * kPackSteps);  // [column][step] words of one pass
    bool any_wide = false;
    for (int64_t b = r.begin(); b < r.end(); ++b) {
      const int64_t width = p->Width(b), col0 = b * p->block_cols;
      const int64_t real = std::min(width, p->cols - col0);  // the rest are zero padding columns
      uint32_t* dst = reinterpret_cast<uint32_t*>((hi ? p->hi : p->lo).get() + p->Offset(b));
      std::fill(cols.begin() + real * kPackSteps, cols.end(), 0u);
      for (int64_t s0 = 0; s0 < p->steps; s0 += kPackSteps) {
        const int64_t n = std::min(kPackSteps, p->steps - s0);
        for (int64_t j = 0; j < real; ++j) any_wide |= fetch(col0 + j, s0, s0 + n, hi, cols.data() + j * kPackSteps);
        // panel[s0 + s][j] = cols[j][s]: the transposing store with the columns as its rows.
        p->k->store_transposed(cols.data(), nullptr, kPackSteps, width, n, dst + s0 * width, width);
      }
    }
    if (any_wide) wide.store(true, std::memory_order_relaxed);
  });
  return wide.load();
}

// Packs cols columns × steps steps. fetch(col, s0, s1, hi, out) writes the pair words (Lo16 or
// Hi16 parts) of column col for steps [s0, s1) to out and returns whether some lo value does not
// fit int16. The lo plane is packed first; only if some value is wider than int16 is the operand
// read again for the hi plane.
template <typename Fetch>
std::unique_ptr<PackedPanel> Pack(const TierKernels* k, int64_t cols, int64_t steps, const Fetch& fetch) {
  auto p = std::make_unique<PackedPanel>();
  p->k = k;
  p->cols = cols;
  p->steps = steps;
  p->block_cols = int64_t{k->lanes} * k->max_vectors;
  const int64_t words = (cols + k->lanes - 1) / k->lanes * k->lanes * steps;
  p->lo = Words(words);
  p->planes = 1;
  if (PackPlane(p.get(), false, fetch)) {
    p->planes = 2;
    p->hi = Words(words);
    PackPlane(p.get(), true, fetch);
  }
  return p;
}

// Rows per group. A group's tiles are computed into a buffer, one column block at a time, and in
// blocks of steps whose panel slice (kSliceWords) stays in L1 while every tile of the group uses
// it; the group's activations stay in L2 across the column blocks. Then each output column's run
// of consecutive rows is stored at once. (Storing each tile directly would touch one cache line
// per column for a few rows only; with a column stride of 4 KB, as for 32×32 images, those lines
// all fall into one L1 set and evict each other before the next tile completes them.)
constexpr int64_t kGroupRows = 96;
constexpr int64_t kSliceWords = 6144;

// Stores a group's buffered tile results: z = hi·2^16 + lo (mod 2^32) with two planes, z = lo
// with one. out[r] is row r's first output of the block; columns are cs apart. With cs > 1 (the
// convolution), runs of rows whose outputs are consecutive go through the tier's transposing store.
void StoreGroup(const TierKernels& k, uint32_t* const* out, int64_t n, int64_t ncols, int64_t cs, int64_t width,
                const uint32_t* lo, const uint32_t* hi) {
  if (cs == 1) {
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t j = 0; j < ncols; ++j)
        out[r][j] = hi ? (hi[r * width + j] << 16) + lo[r * width + j] : lo[r * width + j];
    }
    return;
  }
  for (int64_t r0 = 0, r1; r0 < n; r0 = r1) {
    for (r1 = r0 + 1; r1 < n && out[r1] == out[r0] + (r1 - r0);) ++r1;
    k.store_transposed(lo + r0 * width, hi ? hi + r0 * width : nullptr, width, r1 - r0, ncols, out[r0], cs);
  }
}

// Runs every tile of nrows rows against the panel. rows.Pointer(g, plane) is row g's broadcast
// operand (koff is relative to it) in plane 0 (lo) or 1 (hi), rows.planes says how many it has,
// and rows.Output(g) is row g's output, consecutive columns rows.col_stride apart. Either side may
// have the two planes of a wide operand (not both): then the hi pass and the lo pass are combined
// as hi·2^16 + lo. Tasks take ranges of row groups; each output element is computed by one task,
// with the steps in a fixed order.
template <typename Rows>
void RunTiles(const PackedPanel& p, const int64_t* koff, int64_t nrows, const Rows& rows) {
  const TierKernels& k = *p.k;
  const int64_t R = k.max_rows;
  const int64_t group = (kGroupRows + R - 1) / R * R;
  const int64_t ngroups = (nrows + group - 1) / group;
  const int64_t slice = std::max<int64_t>(1, kSliceWords / p.block_cols);
  const bool two = p.planes == 2 || rows.planes == 2;
  ParallelFor(IndexRange(0, ngroups), [&](const IndexRange& range) {
    std::vector<int32_t> lo(group * p.block_cols), hi(two ? group * p.block_cols : 0);
    std::vector<const int32_t*> ptr_lo(group), ptr_hi(group);
    std::vector<uint32_t*> out(group);
    for (int64_t gi = range.begin(); gi < range.end(); ++gi) {
      const int64_t g0 = gi * group, n = std::min(group, nrows - g0);
      for (int64_t r = 0; r < n; ++r) {
        ptr_lo[r] = rows.Pointer(g0 + r, 0);
        ptr_hi[r] = rows.Pointer(g0 + r, rows.planes - 1);
      }
      for (int64_t b = 0; b < p.blocks(); ++b) {
        const int64_t width = p.Width(b), col0 = b * p.block_cols;
        const int vectors = static_cast<int>(width / k.lanes);
        const int32_t* panel_lo = p.lo.get() + p.Offset(b);
        const int32_t* panel_hi = (p.planes == 2 ? p.hi : p.lo).get() + p.Offset(b);
        for (int64_t s0 = 0; s0 == 0 || s0 < p.steps; s0 += slice) {
          const int64_t ns = std::min(slice, p.steps - s0);
          for (int64_t t0 = 0; t0 < n; t0 += R) {
            const TileFn fn = k.fn[std::min(R, n - t0) - 1][vectors - 1];
            fn(&ptr_lo[t0], koff + s0, ns, panel_lo + s0 * width, &lo[t0 * width], s0 > 0);
            if (two) fn(&ptr_hi[t0], koff + s0, ns, panel_hi + s0 * width, &hi[t0 * width], s0 > 0);
          }
        }
        for (int64_t r = 0; r < n; ++r)
          out[r] = reinterpret_cast<uint32_t*>(rows.Output(g0 + r)) + col0 * rows.col_stride;
        StoreGroup(k, out.data(), n, std::min(width, p.cols - col0), rows.col_stride, width,
                   reinterpret_cast<const uint32_t*>(lo.data()),
                   two ? reinterpret_cast<const uint32_t*>(hi.data()) : nullptr);
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
  int64_t col_stride;  // HW: consecutive filters of one pixel
  int planes = 1;
  const int32_t* Pointer(int64_t g, int /*plane*/) const {
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
  panel_ = Pack(k, d.F, Cp * T, [&](int64_t f, int64_t s0, int64_t s1, bool hi, uint32_t* out) {
    // Step s = cp·T + t reads w[f][2cp][t] and w[f][2cp + 1][t] (zero past an odd C's last channel).
    bool wide = false;
    for (int64_t s = s0; s < s1;) {
      const int64_t cp = s / T, t0 = s - cp * T, n = std::min(T - t0, s1 - s);
      const int32_t* a = w + (f * C + 2 * cp) * T + t0;
      wide |= PairWords(a, 2 * cp + 1 < C ? a + T : nullptr, 1, n, hi, out + (s - s0));
      s += n;
    }
    return wide;
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
    ParallelFor(IndexRange(0, n * Cp), [&](const IndexRange& r) {
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

// The Linear forward runs as zᵀ = w·xᵀ: the weights are the broadcast operand, each row of w
// converted once into pair words (contiguous, so cheap: a batch of 64 rows uses each weight only
// 64 times), and the batch is the packed panel, so each output row o is stored transposed into
// the column z[:, o].
struct LinearRows {
  const int32_t* lo;  // [O][steps] pair words of w: Lo16 parts
  const int32_t* hi;  // Hi16 parts, when planes == 2
  int32_t* z;
  int64_t steps, col_stride;  // col_stride = O: consecutive batch rows of one output
  int planes;
  const int32_t* Pointer(int64_t o, int plane) const { return (plane ? hi : lo) + o * steps; }
  int32_t* Output(int64_t o) const { return z + o; }
};

// Writes the pair words of n values (n even) to dst[0, n/2): dst[s] = Word(Lo16(src[2s]),
// Lo16(src[2s+1])), or the Hi16 parts when hi. Returns whether some value does not fit int16 (for
// the Lo16 parts; false for the Hi16 ones). On a little-endian target a pair word is its two int16
// halves in memory order, so 16 values become 8 words in one vector conversion, which wraps to
// the low 16 bits like Lo16 (2.5x the scalar loop on a 3000 x 3000 matrix, one thread); the rest
// takes PairWords, the scalar form.
bool PairWordsOfParts(const int32_t* src, int64_t n, bool hi, int32_t* dst) {
  bool wide = false;
  int64_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  typedef uint32_t U32 __attribute__((vector_size(64)));
  typedef int32_t V32 __attribute__((vector_size(64)));
  typedef int16_t V16 __attribute__((vector_size(32)));
  U32 lost = {};  // nonzero lanes: a value differed from its sign-extended Lo16
  for (; i + 16 <= n; i += 16) {
    U32 v;
    std::memcpy(&v, src + i, sizeof v);
    const V16 lo = __builtin_convertvector(v, V16);
    const U32 back = reinterpret_cast<U32>(__builtin_convertvector(lo, V32));  // sign-extended Lo16
    if (hi) {
      const V16 part = __builtin_convertvector((v - back) >> 16, V16);  // Hi16, mod 2^32 like the scalar one
      std::memcpy(dst + i / 2, &part, sizeof part);
    } else {
      lost |= back ^ v;
      std::memcpy(dst + i / 2, &lo, sizeof lo);
    }
  }
  for (int k = 0; k < 16; ++k) wide |= lost[k] != 0;
#endif
  if (i < n) wide |= PairWords(src + i, src + i + 1, 2, (n - i) / 2, hi, reinterpret_cast<uint32_t*>(dst + i / 2));
  return wide;
}

// Writes one row of I weights as pair words [ceil(I/2)] (Lo16 parts, or Hi16 parts when hi), the
// last odd weight paired with 0; returns whether some weight does not fit int16 (Lo16 parts only).
bool RowPairWords(const int32_t* src, int64_t I, bool hi, int32_t* dst) {
  bool wide = PairWordsOfParts(src, I - I % 2, hi, dst);
  if (I % 2) {
    wide |= PairWords(src + I - 1, static_cast<const int32_t*>(nullptr), 1, 1, hi,
                      reinterpret_cast<uint32_t*>(dst + I / 2));
  }
  return wide;
}

// Writes w [O][I] as pair words [O][S], S = ceil(I/2): the Lo16 parts to lo, and, when some weight
// does not fit int16 (the return value), the Hi16 parts to hi. Trained weights often are wide, and
// the conversion is bound by reading w, so w is read once: a row with a wide weight writes its Hi16
// words while it is in cache, and the rows without one get zero words afterwards (Hi16 of an int16
// value is 0). hi must hold O·S words; it is not written when the result is false.
bool WeightRows(const int32_t* w, int64_t O, int64_t I, int32_t* lo, int32_t* hi) {
  const int64_t S = (I + 1) / 2;
  std::vector<uint8_t> row_wide(O, 0);
  std::atomic<bool> wide{false};
  ParallelFor(IndexRange(0, O), [&](const IndexRange& r) {
    bool any = false;
    for (int64_t o = r.begin(); o < r.end(); ++o) {
      if (!RowPairWords(w + o * I, I, false, lo + o * S)) continue;
      RowPairWords(w + o * I, I, true, hi + o * S);
      row_wide[o] = 1;
      any = true;
    }
    if (any) wide.store(true, std::memory_order_relaxed);
  });
  if (!wide.load()) return false;
  ParallelFor(IndexRange(0, O), [&](const IndexRange& r) {
    for (int64_t o = r.begin(); o < r.end(); ++o) {
      if (!row_wide[o]) std::memset(hi + o * S, 0, static_cast<size_t>(S) * sizeof(int32_t));
    }
  });
  return true;
}

template <typename X>
bool LinearForwardImpl(const X* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  const TierKernels* k = KernelsOf(tier);
  if (k == nullptr || I <= 0 || O <= 0 || B <= 0) return false;
  const int64_t S = (I + 1) / 2;
  Words lo(O * S), hi(O * S);  // hi's pages are only touched when some weight is wide
  const bool wide = WeightRows(w, O, I, lo.get(), hi.get());
  auto panel = Pack(k, B, S, [&](int64_t b, int64_t s0, int64_t s1, bool hi, uint32_t* out) {
    const X* src = x + b * I + 2 * s0;
    const int64_t full = std::min(s1, I / 2) - s0;  // steps with both inputs inside the row
    bool wide = full > 0 && PairWords(src, src + 1, 2, full, hi, out);
    if (full < s1 - s0) wide |= PairWords(src + 2 * full, static_cast<const X*>(nullptr), 2, 1, hi, out + full);
    return wide;
  });
  std::vector<int64_t> koff(S);
  for (int64_t s = 0; s < S; ++s) koff[s] = s;
  RunTiles(*panel, koff.data(), O, LinearRows{lo.get(), hi.get(), z, S, O, wide ? 2 : 1});
  return true;
}

// The weight gradient g[o, i] = Σ_b dz[b, o] · x[b, i] runs as a GEMM over batch pairs: row o's
// broadcast operand is dz's column o as pair words (dz[2s, o], dz[2s+1, o]), the panel is x with the
// columns i and the same batch pairs as steps, and each output row o is the contiguous row g[o, :].
struct WeightGradRows {
  const int32_t* lo;  // [O][steps] pair words of dz's columns: Lo16 parts
  const int32_t* hi;  // Hi16 parts, when planes == 2
  int32_t* g;
  int64_t steps, I;
  int planes;
  const int32_t* Pointer(int64_t o, int plane) const { return (plane ? hi : lo) + o * steps; }
  int32_t* Output(int64_t o) const { return g + o * I; }
  static constexpr int64_t col_stride = 1;
};

// Writes dz [B][O]'s columns as pair words over batch pairs (Lo16 parts, or Hi16 parts when hi)
// [O][ceil(B/2)]; returns whether some value does not fit int16.
template <typename D>
bool GradColumns(const D* dz, int64_t B, int64_t O, bool hi, int32_t* out) {
  const int64_t S = (B + 1) / 2;
  bool wide = false;
  for (int64_t o = 0; o < O; ++o) {
    const D* col = dz + o;
    const int64_t full = B / 2;
    wide |= PairWords(col, col + O, 2 * O, full, hi, reinterpret_cast<uint32_t*>(out + o * S));
    if (B % 2) wide |= PairWords(col + (B - 1) * O, static_cast<const D*>(nullptr), 1, 1, hi,
                                 reinterpret_cast<uint32_t*>(out + o * S + full));
  }
  return wide;
}

template <typename D, typename X>
bool LinearWeightGradImpl(const D* dz, const X* x, int32_t* g, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  const TierKernels* k = KernelsOf(tier);
  if (k == nullptr || I <= 0 || O <= 0 || B <= 0) return false;
  const int64_t S = (B + 1) / 2;
  Words lo(O * S), hi;
  const bool wide = GradColumns(dz, B, O, false, lo.get());
  if (wide) {
    hi = Words(O * S);
    GradColumns(dz, B, O, true, hi.get());
  }
  // Panel column i, steps [s0, s1): the pairs (x[2s, i], x[2s+1, i]), the partner of an odd
  // batch's last row being zero. int8 and int16 inputs always fit one plane.
  auto panel = Pack(k, I, S, [&](int64_t i, int64_t s0, int64_t s1, bool hi, uint32_t* out) {
    const X* src = x + 2 * s0 * I + i;
    const int64_t full = std::min(s1, B / 2) - s0;  // steps with both batch rows present
    bool wide = full > 0 && PairWords(src, src + I, 2 * I, full, hi, out);
    if (full < s1 - s0) wide |= PairWords(src + 2 * full * I, static_cast<const X*>(nullptr), 1, 1, hi, out + full);
    return wide;
  });
  std::vector<int64_t> koff(S);
  for (int64_t s = 0; s < S; ++s) koff[s] = s;
  RunTiles(*panel, koff.data(), O, WeightGradRows{lo.get(), hi.get(), g, S, I, wide ? 2 : 1});
  return true;
}

}  // namespace

bool LinearPrefersGemm(GemmTier tier, int64_t I, int64_t O) {
  switch (tier) {
    case GemmTier::kAvx512Vnni:
      return O >= 64 && I >= 256;
    case GemmTier::kAvx2:
      return O >= 256 && I >= 1024;
    default:
      return false;
  }
}

bool LinearWeightGradS16(const int8_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier) {
  return LinearWeightGradImpl(dz, x, g, B, I, O, tier);
}
bool LinearWeightGradS16(const int32_t* dz, const int8_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier) {
  return LinearWeightGradImpl(dz, x, g, B, I, O, tier);
}
bool LinearWeightGradS16(const int8_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier) {
  return LinearWeightGradImpl(dz, x, g, B, I, O, tier);
}
bool LinearWeightGradS16(const int32_t* dz, const int16_t* x, int32_t* g, int64_t B, int64_t I, int64_t O,
                         GemmTier tier) {
  return LinearWeightGradImpl(dz, x, g, B, I, O, tier);
}

bool LinearForwardS16(const int8_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  return LinearForwardImpl(x, w, z, B, I, O, tier);
}
bool LinearForwardS16(const int16_t* x, const int32_t* w, int32_t* z, int64_t B, int64_t I, int64_t O, GemmTier tier) {
  return LinearForwardImpl(x, w, z, B, I, O, tier);
}

// ---------------------------------------------------------------------------------------------
// The patch sums of the sparse Conv2D weight gradient.

bool PatchSumS8(uint32_t* acc, const int32_t* d, const int64_t* off, int64_t n, const int8_t* x, int64_t rows,
                int64_t len, int64_t stride, GemmTier tier) {
  const TierKernels* k = KernelsOf(tier);
  if (k == nullptr) return false;
  int32_t lo[gemm::kMaxPatchPairs], hi[gemm::kMaxPatchPairs];
  const int8_t* xa[gemm::kMaxPatchPairs];
  const int8_t* xb[gemm::kMaxPatchPairs];
  for (int64_t p = 0; p < n;) {
    int np = 0;
    bool wide = false;
    for (; np < gemm::kMaxPatchPairs && p < n; ++np) {
      // An odd last patch is paired with itself at delta 0.
      const bool two = p + 1 < n;
      const int32_t d0 = d[p], d1 = two ? d[p + 1] : 0;
      xa[np] = x + off[p];
      xb[np] = two ? x + off[p + 1] : xa[np];
      lo[np] = Word(d0, d1);  // the Lo16 parts: Word keeps each value's low 16 bits
      hi[np] = Word(Hi16(d0), Hi16(d1));
      wide |= hi[np] != 0;
      p += two ? 2 : 1;
    }
    const gemm::PatchPassFn pass = k->patch_pass[np - 1][wide ? 1 : 0];
    for (int64_t r = 0; r < rows; ++r) pass(acc + r * len, lo, hi, xa, xb, r * stride, len);
  }
  return true;
}

}  // namespace nitro::kernels
