#include "train/param_init.h"

#include "absl/strings/str_cat.h"

namespace nitro {

int64_t ISqrt(int64_t n) {
  if (n <= 0) return 0;
  int64_t x = n;
  int64_t y = (n + 1) / 2;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2;
  }
  return x;
}

int64_t KaimingBound(int64_t fan_in, int64_t gain, int64_t cap) {
  if (gain <= 0) gain = 1372;  // 1000·sqrt(2 / (1 + 1/4²)) for NITRO-ReLU with alpha_inv = 4
  if (cap <= 0) cap = 64;
  const int64_t root = ISqrt(fan_in);
  if (root == 0) return cap;
  const int64_t bound = gain * 128 * 1732 / (root * 1000000);
  return bound < cap ? bound : cap;
}

int64_t FanIn(const proto::Param& param) {
  int64_t fan_in = 1;
  for (int i = 1; i < param.shape_size(); ++i) fan_in *= param.shape(i);
  return fan_in;
}

absl::StatusOr<Tensor> InitParam(const proto::Param& param, RandomSource& rng) {
  Shape shape(param.shape().begin(), param.shape().end());
  auto count = ElementCount(shape);
  if (!count.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("parameter '", param.name(), "': ", count.status().message()));
  }
  Tensor t(kInt32, shape);
  int32_t* w = t.data<int32_t>();
  int64_t bound = -1;
  switch (param.init().kind_case()) {
    case proto::Init::kKaiming: {
      const auto& k = param.init().kaiming();
      bound = KaimingBound(k.fan_in() > 0 ? k.fan_in() : FanIn(param), k.gain(), k.cap());
      break;
    }
    case proto::Init::kUniformBound:
      bound = param.init().uniform_bound();
      if (bound < 0 || bound > (int64_t{1} << 30)) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter '", param.name(), "': uniform_bound must be in [0, 2^30]"));
      }
      break;
    case proto::Init::kValues:
      if (param.init().values().v_size() != t.size()) {
        return absl::InvalidArgumentError(absl::StrCat("parameter '", param.name(), "': wrong number of init values"));
      }
      for (int64_t i = 0; i < t.size(); ++i) t.Set(i, param.init().values().v(static_cast<int>(i)));
      return t;
    case proto::Init::kZeros:
    case proto::Init::KIND_NOT_SET:
      return t;
  }
  const uint32_t range = static_cast<uint32_t>(2 * bound);
  for (int64_t i = 0; i < t.size(); ++i) w[i] = static_cast<int32_t>(-bound + rng.Bounded(range));
  return t;
}

}  // namespace nitro
