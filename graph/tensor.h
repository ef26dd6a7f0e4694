// A dense, row-major integer tensor owning 64-byte-aligned storage.
#ifndef NITRO_GRAPH_TENSOR_H_
#define NITRO_GRAPH_TENSOR_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/types/span.h"
#include "graph/dtype.h"
#include "graph/shape.h"

namespace nitro {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type and shape (shape must be validated).
  Tensor(DType dtype, Shape shape);
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) = default;
  Tensor& operator=(Tensor&&) = default;

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i]; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return size_; }
  int64_t bytes() const { return size_ * DTypeSize(dtype_); }
  bool empty() const { return dtype_ == proto::DTYPE_UNSPECIFIED; }

  // Typed views; T must match dtype() (checked only in debug builds).
  template <typename T> T* data() { return reinterpret_cast<T*>(buf_.get()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(buf_.get()); }
  template <typename T> absl::Span<T> span() { return {data<T>(), static_cast<size_t>(size_)}; }
  template <typename T> absl::Span<const T> span() const { return {data<T>(), static_cast<size_t>(size_)}; }
  void* raw() { return buf_.get(); }
  const void* raw() const { return buf_.get(); }

  // Element i widened to int64, whatever the dtype.
  int64_t Get(int64_t i) const;
  // Stores v at element i, wrapping it to the dtype's width (two's complement).
  void Set(int64_t i, int64_t v);
  void Fill(int64_t v);
  // Same dtype, shape and bytes.
  bool Equals(const Tensor& other) const;
  // Reinterprets the storage under a new shape with the same element count.
  void Reshape(Shape shape) { shape_ = std::move(shape); }

 private:
  struct Free { void operator()(void* p) const { std::free(p); } };
  DType dtype_ = proto::DTYPE_UNSPECIFIED;
  Shape shape_;
  int64_t size_ = 0;
  std::unique_ptr<uint8_t, Free> buf_;
};

}  // namespace nitro

#endif  // NITRO_GRAPH_TENSOR_H_
