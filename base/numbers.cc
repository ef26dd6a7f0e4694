// Integers as text: thousands separators and integer-only percentages.
#include "base/numbers.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace nitro {

std::string WithThousands(int64_t value) {
  const bool negative = value < 0;
  // The magnitude as unsigned, so that INT64_MIN works too.
  const uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const std::string digits = std::to_string(magnitude);
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return negative ? "-" + out : out;
}
namespace {

constexpr int kMaxDecimals = 6;

__int128 Pow10(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Rounded 100 * correct * 10^decimals / total; 128-bit so that no int64 count can overflow.
__int128 Scaled(int64_t correct, int64_t total, int decimals) {
  const __int128 num = static_cast<__int128>(correct) * 100 * Pow10(decimals);
  const __int128 mag = num < 0 ? -num : num;
  const __int128 q = (2 * mag + total) / (2 * static_cast<__int128>(total));
  return num < 0 ? -q : q;
}

// Decimal digits of a non-negative 128-bit value.
std::string Digits(__int128 v) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  return s;
}

}  // namespace

int64_t ScaledPercent(int64_t correct, int64_t total, int decimals) {
  if (total <= 0 || decimals < 0 || decimals > kMaxDecimals) return 0;
  return static_cast<int64_t>(Scaled(correct, total, decimals));
}

std::string FormatPercent(int64_t correct, int64_t total, int decimals) {
  if (total <= 0 || decimals < 0 || decimals > kMaxDecimals) return "";
  const __int128 q = Scaled(correct, total, decimals);
  const __int128 mag = q < 0 ? -q : q;
  const __int128 unit = Pow10(decimals);
  std::string out = q < 0 ? "-" : "";
  absl::StrAppend(&out, Digits(mag / unit));
  if (decimals > 0) {
    const std::string frac = Digits(mag % unit);
    absl::StrAppend(&out, ".", std::string(decimals - frac.size(), '0'), frac);
  }
  return out;
}

}  // namespace nitro
