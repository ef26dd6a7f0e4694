#include "graph/tensor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/numbers.h"

namespace nitro {

namespace {

constexpr size_t kAlignment = 64;

// A failure of the constructor, which cannot return one: a programming error (see tensor.h),
// reported and ended here rather than left to a crash on a null buffer.
[[noreturn]] void DieOnBadTensor(DType dtype, const Shape& shape, const absl::Status& status) {
  std::fprintf(stderr, "nitro: Tensor(%s, %s): %s (use Tensor::Allocate for sizes that may not fit)\n",
               DTypeName(dtype).c_str(), ShapeString(shape).c_str(), std::string(status.message()).c_str());
  std::abort();
}

}  // namespace

absl::StatusOr<int64_t> Tensor::ByteSize(DType dtype, const Shape& shape) {
  auto count = ElementCount(shape);
  if (!count.ok()) return count.status();
  // count <= 2^40 and DTypeSize <= 8: the product fits int64 with room to spare.
  return *count * DTypeSize(dtype);
}

bool Tensor::AllocateBuffer() {
  // aligned_alloc wants a multiple of the alignment; a zero-byte tensor still gets one block, so
  // that raw() is never null for a constructed tensor. bytes() <= 2^43: the rounding cannot wrap.
  const size_t rounded =
      std::max<size_t>(kAlignment, (static_cast<size_t>(bytes()) + kAlignment - 1) / kAlignment * kAlignment);
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, rounded));
  if (!p) return false;
  buf_.reset(p, [](uint8_t* q) { std::free(q); });
  std::memset(buf_.get(), 0, rounded);
  return true;
}

absl::StatusOr<Tensor> Tensor::Allocate(DType dtype, Shape shape) {
  auto bytes = ByteSize(dtype, shape);
  if (!bytes.ok()) return bytes.status();
  const int64_t size = NumElements(shape);
  Tensor t(dtype, std::move(shape), size);
  if (!t.AllocateBuffer()) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", WithThousands(*bytes), " bytes for an ",
                                                     DTypeName(dtype), " ", ShapeString(t.shape_), " tensor"));
  }
  return t;
}

absl::StatusOr<Tensor> Tensor::SharedView(Tensor& storage, DType dtype, Shape shape) {
  auto bytes = ByteSize(dtype, shape);
  if (!bytes.ok()) return bytes.status();
  if (storage.empty() || *bytes > storage.bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("a view of ", WithThousands(*bytes), " bytes (", DTypeName(dtype),
                                                   " ", ShapeString(shape), ") does not fit in a buffer of ",
                                                   WithThousands(storage.bytes()), " bytes"));
  }
  const int64_t size = NumElements(shape);
  Tensor t(dtype, std::move(shape), size);
  t.buf_ = storage.buf_;
  return t;
}

Tensor::Tensor(DType dtype, Shape shape) {
  auto t = Allocate(dtype, shape);
  if (!t.ok()) DieOnBadTensor(dtype, shape, t.status());
  *this = std::move(*t);
}

Tensor::Tensor(const Tensor& other) : Tensor(other.dtype_, other.shape_) {
  if (other.buf_) std::memcpy(buf_.get(), other.buf_.get(), other.bytes());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

int64_t Tensor::Get(int64_t i) const {
  NITRO_DCHECK(i >= 0 && i < size_);
  return DispatchDType(dtype_, [&](auto t) -> int64_t { return data<decltype(t)>()[i]; });
}

void Tensor::Set(int64_t i, int64_t v) {
  NITRO_DCHECK(i >= 0 && i < size_);
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
