// A dense, row-major integer tensor on 64-byte-aligned storage, its own or (SharedView) another
// tensor's.
#ifndef NITRO_GRAPH_TENSOR_H_
#define NITRO_GRAPH_TENSOR_H_

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/check.h"
#include "graph/dtype.h"
#include "graph/shape.h"

namespace nitro {

// A constructed tensor always owns a buffer (64 bytes at least, so also for zero elements); a
// default-constructed one owns none and is empty(). No accessor ever hands out a null buffer of a
// non-empty tensor.
class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type and shape, for sizes known to fit in memory (tests,
  // tensors the size of one input record). An invalid shape (see ElementCount) or a failed
  // allocation is a programming error here: it prints what was asked for and aborts. Use
  // Allocate when the size comes from a model or a file.
  Tensor(DType dtype, Shape shape);
  // Zero-filled tensor; OutOfRange if a dimension is negative or the shape holds more than 2^40
  // elements, ResourceExhausted if the memory cannot be allocated.
  static absl::StatusOr<Tensor> Allocate(DType dtype, Shape shape);
  // Bytes of a tensor of this type and shape; OutOfRange as for Allocate. At most 2^43: 2^40
  // elements of at most 8 bytes, so sums of a few million of them cannot overflow int64 either.
  static absl::StatusOr<int64_t> ByteSize(DType dtype, const Shape& shape);
  // A tensor of `dtype` and `shape` on the first bytes of `storage`'s buffer, which it keeps
  // alive: writes through either are seen by both. For a memory plan that lets values whose
  // lifetimes do not overlap take turns in one buffer. InvalidArgument if the type needs more
  // bytes than `storage` holds (or OutOfRange for a shape Allocate would refuse).
  static absl::StatusOr<Tensor> SharedView(Tensor& storage, DType dtype, Shape shape);
  // Copies allocate like the constructor (and abort if that fails): a copy of a view owns its
  // buffer.
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) = default;
  Tensor& operator=(Tensor&&) = default;

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const {
    NITRO_DCHECK(i >= 0 && i < rank());
    return shape_[i];
  }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return size_; }
  int64_t bytes() const { return size_ * DTypeSize(dtype_); }
  bool empty() const { return dtype_ == proto::DTYPE_UNSPECIFIED; }

  // Typed views; T must match dtype() (checked only in debug builds, NITRO_DCHECK).
  template <typename T>
  T* data() {
    NITRO_DCHECK(DTypeOf<T>::value == dtype_);
    return reinterpret_cast<T*>(buf_.get());
  }
  template <typename T>
  const T* data() const {
    NITRO_DCHECK(DTypeOf<T>::value == dtype_);
    return reinterpret_cast<const T*>(buf_.get());
  }
  template <typename T>
  absl::Span<T> span() {
    return {data<T>(), static_cast<size_t>(size_)};
  }
  template <typename T>
  absl::Span<const T> span() const {
    return {data<T>(), static_cast<size_t>(size_)};
  }
  void* raw() { return buf_.get(); }
  const void* raw() const { return buf_.get(); }

  // Element i (0 <= i < size()) widened to int64, whatever the dtype.
  int64_t Get(int64_t i) const;
  // Stores v at element i (0 <= i < size()), wrapping it to the dtype's width (two's complement).
  void Set(int64_t i, int64_t v);
  void Fill(int64_t v);
  // Same dtype, shape and bytes.
  bool Equals(const Tensor& other) const;
  // Reinterprets the storage under a new shape with the same element count.
  void Reshape(Shape shape) {
    NITRO_DCHECK(ElementCount(shape).value_or(-1) == size_);
    shape_ = std::move(shape);
  }

 private:
  // The dtype and shape of a tensor, with no buffer yet; `size` elements, already checked.
  Tensor(DType dtype, Shape shape, int64_t size) : dtype_(dtype), shape_(std::move(shape)), size_(size) {}
  // Allocates and zero-fills the buffer of bytes(); false if the allocation fails.
  bool AllocateBuffer();

  DType dtype_ = proto::DTYPE_UNSPECIFIED;
  Shape shape_;
  int64_t size_ = 0;
  std::shared_ptr<uint8_t> buf_;  // shared only by SharedView
};

}  // namespace nitro

#endif  // NITRO_GRAPH_TENSOR_H_
