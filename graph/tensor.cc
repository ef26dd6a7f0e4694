#include "graph/tensor.h"

#include <cstdlib>
#include <cstring>

namespace nitro {

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  size_ = NumElements(shape_);
  const size_t bytes = static_cast<size_t>(size_ * DTypeSize(dtype_));
  const size_t rounded = (bytes + 63) / 64 * 64;
  buf_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded == 0 ? 64 : rounded)));
  std::memset(buf_.get(), 0, rounded == 0 ? 64 : rounded);
}

Tensor::Tensor(const Tensor& other) : Tensor(other.dtype_, other.shape_) {
  if (other.buf_) std::memcpy(buf_.get(), other.buf_.get(), other.bytes());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

int64_t Tensor::Get(int64_t i) const {
  return DispatchDType(dtype_, [&](auto t) -> int64_t { return data<decltype(t)>()[i]; });
}

void Tensor::Set(int64_t i, int64_t v) {
  DispatchDType(dtype_, [&](auto t) {
    using T = decltype(t);
    // Conversion of an out-of-range value to a signed type is modular since C++20 and in GCC.
    data<T>()[i] = static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<uint64_t>(v)));
    return 0;
  });
}

void Tensor::Fill(int64_t v) {
  for (int64_t i = 0; i < size_; ++i) Set(i, v);
}

bool Tensor::Equals(const Tensor& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ &&
         (size_ == 0 || std::memcmp(buf_.get(), other.buf_.get(), bytes()) == 0);
}

}  // namespace nitro
