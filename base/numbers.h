// Integers as text for people: thousands separators, and percentages of integer counts with a fixed
// number of decimals, computed in integer arithmetic only.
#ifndef NITRO_BASE_NUMBERS_H_
#define NITRO_BASE_NUMBERS_H_

#include <cstdint>
#include <string>

namespace nitro {

// The decimal digits of `value` in groups of three separated by commas: 9149824 -> "9,149,824",
// -1234 -> "-1,234" (INT64_MIN included).
std::string WithThousands(int64_t value);

// 100 * correct / total with `decimals` (0..6) decimals, rounded half away from zero:
// (2, 3) -> "66.67", (1, 8) -> "12.50", (1, 1) -> "100.00", (2, 3, 1) -> "66.7". Empty when
// total <= 0 or decimals is out of range.
std::string FormatPercent(int64_t correct, int64_t total, int decimals = 2);

// 100 * correct / total in units of 10^-decimals percent, rounded half away from zero:
// (2, 3, 2) -> 6667. 0 when total <= 0 or decimals is out of range.
int64_t ScaledPercent(int64_t correct, int64_t total, int decimals = 2);

}  // namespace nitro

#endif  // NITRO_BASE_NUMBERS_H_
