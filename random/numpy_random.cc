// NumpyRandom: numpy's legacy RandomState (MT19937) reproduced bit for bit with integers only.
#include "random/numpy_random.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "random/random_ops.h"

namespace nitro {
namespace {

// One entry of the generated table: with k the 53-bit draw, X = 0 if k <= t0, X = 1 if
// t0 < k <= t1, otherwise numpy redraws; the result is X, or 1 - X when invert (p > 1/2).
struct BinomialThreshold {
  int64_t p_per_million;
  uint64_t t0;
  uint64_t t1;
  bool invert;
};

constexpr BinomialThreshold kBinomialThresholds[] = {
#include "random/binomial_thresholds.inc"
};

const BinomialThreshold* FindThreshold(int64_t p_per_million) {
  for (const BinomialThreshold& t : kBinomialThresholds) {
    if (t.p_per_million == p_per_million) return &t;
  }
  return nullptr;
}

constexpr int64_t kMillion = 1000000;

}  // namespace

NumpyRandom::NumpyRandom(uint32_t seed) { Seed(seed); }

void NumpyRandom::Seed(uint32_t seed) {
  // init_genrand: mt[i] = 1812433253 * (mt[i-1] ^ (mt[i-1] >> 30)) + i, modulo 2^32.
  mt_[0] = seed;
  for (int i = 1; i < kStateWords; ++i) {
    mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  pos_ = kStateWords;
  status_ = absl::OkStatus();
}

void NumpyRandom::Twist() {
  // mt[i] = mt[(i + 397) mod 624] ^ (y >> 1) ^ (y odd ? A : 0), y = the top bit of mt[i] and the
  // low 31 bits of mt[(i + 1) mod 624], for i = 0..623 in order. The three loops are that one
  // with the indices' wrap-around taken out of the loop bodies.
  constexpr int kShift = 397;
  auto next = [this](int i, int i1, int im) {
    const uint32_t y = (mt_[i] & 0x80000000u) | (mt_[i1] & 0x7fffffffu);
    mt_[i] = mt_[im] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  };
  int i = 0;
  for (; i < kStateWords - kShift; ++i) next(i, i + 1, i + kShift);
  for (; i < kStateWords - 1; ++i) next(i, i + 1, i + kShift - kStateWords);
  next(kStateWords - 1, 0, kShift - 1);
  pos_ = 0;
}

uint32_t NumpyRandom::NextU32() {
  if (pos_ >= kStateWords) Twist();
  uint32_t y = mt_[pos_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint64_t NumpyRandom::NextDouble53() { return Next53(*this); }

uint32_t NumpyRandom::Bounded(uint32_t r) { return MaskedBounded(*this, r); }

int64_t NumpyRandom::RandInt(int64_t low, int64_t high) { return CheckedRandInt(*this, low, high, status_); }

void NumpyRandom::Shuffle(std::vector<int64_t>& v) { ShuffleVector(*this, v); }

bool NumpyRandom::SupportsBernoulli(int64_t p_per_million) { return FindThreshold(p_per_million) != nullptr; }

int NumpyRandom::Bernoulli(int64_t p_per_million) {
  if (p_per_million != last_p_per_million_) {
    last_threshold_ = FindThreshold(p_per_million);
    last_p_per_million_ = p_per_million;
  }
  if (const auto* t = static_cast<const BinomialThreshold*>(last_threshold_)) {
    for (;;) {
      const uint64_t k = NextDouble53();
      int x;
      if (k <= t->t0) {
        x = 0;
      } else if (k <= t->t1) {
        x = 1;
      } else {
        continue;  // numpy's restart branch (X would exceed its bound of 1)
      }
      return t->invert ? 1 - x : x;
    }
  }
  int64_t p = p_per_million;
  if (p < 0 || p > kMillion) {
    RecordFirstError(
        status_, absl::InvalidArgumentError(absl::StrCat("bernoulli: p_per_million=", p, " is outside [0, 1000000]")));
    p = p < 0 ? 0 : kMillion;
  } else {
    RecordFirstError(status_,
                     absl::UnimplementedError(absl::StrCat(
                         "bernoulli: p_per_million=", p,
                         " has no exact numpy threshold (supported: multiples of 50000); the draws used "
                         "k*10^6 < p*2^53 and may differ from numpy. Add it to tools/gen_binomial_thresholds.py "
                         "and regenerate random/binomial_thresholds.inc")));
  }
  // Exact Bernoulli(p / 10^6) on the same 53-bit draw: k / 2^53 < p / 10^6. The product needs up
  // to 73 bits, hence the 128-bit comparison.
  const unsigned __int128 lhs = static_cast<unsigned __int128>(NextDouble53()) * kMillion;
  const unsigned __int128 rhs = static_cast<unsigned __int128>(p) << 53;
  return lhs < rhs ? 1 : 0;
}

// State bytes: "MT19937" tag, then pos and the 624 state words, little-endian uint32.
absl::StatusOr<std::string> NumpyRandom::SaveState() const {
  std::string out = "MT19937";
  auto put = [&out](uint32_t v) {
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  };
  put(static_cast<uint32_t>(pos_));
  for (uint32_t w : mt_) put(w);
  return out;
}

absl::Status NumpyRandom::LoadState(absl::string_view state) {
  constexpr size_t kSize = 7 + 4 * (1 + kStateWords);
  if (state.size() != kSize || state.substr(0, 7) != "MT19937") {
    return absl::DataLossError("the saved random state is not a NumPy MT19937 state");
  }
  auto get = [&state](size_t at) {
    uint32_t v = 0;
    for (int b = 0; b < 4; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(state[at + b])) << (8 * b);
    return v;
  };
  const uint32_t pos = get(7);
  if (pos > static_cast<uint32_t>(kStateWords)) {
    return absl::DataLossError("the saved MT19937 position is out of range");
  }
  pos_ = static_cast<int>(pos);
  for (int i = 0; i < kStateWords; ++i) mt_[i] = get(11 + 4 * i);
  return absl::OkStatus();
}

}  // namespace nitro
