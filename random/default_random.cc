// DefaultRandom: nitro's own random stream, PCG32 (PCG-XSH-RR 64/32, O'Neill 2014), integers only.
#include "random/default_random.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "random/random_ops.h"

namespace nitro {
namespace {
constexpr uint64_t kMultiplier = 6364136223846793005ull;
constexpr int64_t kMillion = 1000000;
}  // namespace

DefaultRandom::DefaultRandom(uint64_t seed, uint64_t stream) { Seed(seed, stream); }

void DefaultRandom::Seed(uint64_t seed, uint64_t stream) {
  // pcg32_srandom_r: state = 0, inc = 2*stream + 1, step, state += seed, step.
  state_ = 0;
  inc_ = (stream << 1) | 1u;
  NextU32();
  state_ += seed;
  NextU32();
  status_ = absl::OkStatus();
}

uint32_t DefaultRandom::NextU32() {
  const uint64_t old = state_;
  state_ = old * kMultiplier + inc_;  // modulo 2^64 (unsigned)
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18) ^ old) >> 27);
  const uint32_t rot = static_cast<uint32_t>(old >> 59);
  return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

uint64_t DefaultRandom::NextDouble53() { return Next53(*this); }

uint32_t DefaultRandom::Bounded(uint32_t r) { return MaskedBounded(*this, r); }

int64_t DefaultRandom::RandInt(int64_t low, int64_t high) { return CheckedRandInt(*this, low, high, status_); }

void DefaultRandom::Shuffle(std::vector<int64_t>& v) { ShuffleVector(*this, v); }

bool DefaultRandom::SupportsBernoulli(int64_t p_per_million) { return p_per_million >= 0 && p_per_million <= kMillion; }

int DefaultRandom::Bernoulli(int64_t p_per_million) {
  if (!SupportsBernoulli(p_per_million)) {
    RecordFirstError(status_, absl::InvalidArgumentError(absl::StrCat("bernoulli: p_per_million=", p_per_million,
                                                                      " is outside [0, 1000000]")));
    p_per_million = p_per_million < 0 ? 0 : kMillion;
  }
  if (p_per_million == 0) return 0;
  if (p_per_million == kMillion) return 1;
  return static_cast<int64_t>(Bounded(kMillion - 1)) < p_per_million ? 1 : 0;
}

// State bytes: "PCG32" tag, then state and increment, little-endian uint64.
absl::StatusOr<std::string> DefaultRandom::SaveState() const {
  std::string out = "PCG32";
  for (uint64_t v : {state_, inc_}) {
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  return out;
}

absl::Status DefaultRandom::LoadState(absl::string_view state) {
  if (state.size() != 5 + 16 || state.substr(0, 5) != "PCG32") {
    return absl::DataLossError("the saved random state is not a nitro PCG32 state");
  }
  uint64_t v[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    for (int b = 0; b < 8; ++b) v[k] |= static_cast<uint64_t>(static_cast<uint8_t>(state[5 + 8 * k + b])) << (8 * b);
  }
  if ((v[1] & 1) == 0) return absl::DataLossError("the saved PCG32 increment must be odd");
  state_ = v[0];
  inc_ = v[1];
  return absl::OkStatus();
}

}  // namespace nitro
