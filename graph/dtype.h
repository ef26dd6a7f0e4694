// Element types of nitro tensors and their compile-time mapping to C++ integer types.
#ifndef NITRO_GRAPH_DTYPE_H_
#define NITRO_GRAPH_DTYPE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/nitro.pb.h"

namespace nitro {

using DType = proto::DType;
constexpr DType kInt8 = proto::INT8;
constexpr DType kInt16 = proto::INT16;
constexpr DType kInt32 = proto::INT32;
constexpr DType kInt64 = proto::INT64;

// Bytes per element; 0 for DTYPE_UNSPECIFIED.
int DTypeSize(DType dtype);
// "int8", "int16", "int32", "int64" (the spellings of the golden trace files).
std::string DTypeName(DType dtype);
absl::StatusOr<DType> ParseDType(absl::string_view name);

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<int8_t> {
  static constexpr DType value = proto::INT8;
};
template <>
struct DTypeOf<int16_t> {
  static constexpr DType value = proto::INT16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = proto::INT32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = proto::INT64;
};

// Calls fn(T{}) with T the C++ type of `dtype`; returns fn's result. `dtype` must be valid.
template <typename Fn>
auto DispatchDType(DType dtype, Fn&& fn) {
  switch (dtype) {
    case proto::INT8:
      return fn(int8_t{});
    case proto::INT16:
      return fn(int16_t{});
    case proto::INT64:
      return fn(int64_t{});
    default:
      return fn(int32_t{});
  }
}

}  // namespace nitro

#endif  // NITRO_GRAPH_DTYPE_H_
