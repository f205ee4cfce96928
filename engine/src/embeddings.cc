// Embeddings storage.
#include "n2v/embeddings.h"

#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "internal/huge_pages.h"
#include "n2v/status_macros.h"

namespace n2v {

AlignedFloats::AlignedFloats(size_t count) : size_(count) {
  if (count == 0) return;
  const size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
  void* p = internal::AllocateLarge(bytes, 64);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(static_cast<float*>(p));
}

void AlignedFloats::Free::operator()(float* p) const { internal::FreeLarge(p); }

Embeddings::Embeddings(std::shared_ptr<const NodeIdIndex> ids,
                       uint32_t dimensions)
    : ids_(std::move(ids)),
      dimensions_(dimensions),
      stride_(PaddedDimension(dimensions)),
      values_(ids_->size() * static_cast<size_t>(stride_)) {}

absl::StatusOr<Embeddings> Embeddings::FromRows(std::vector<int64_t> ids,
                                                uint32_t dimensions,
                                                std::span<const float> values) {
  if (dimensions == 0) {
    return absl::InvalidArgumentError("embedding dimension must be >= 1");
  }
  if (values.size() != ids.size() * static_cast<size_t>(dimensions)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", ids.size(), " x ", dimensions, " values, got ",
        values.size()));
  }
  N2V_ASSIGN_OR_RETURN(NodeIdIndex index, NodeIdIndex::Create(std::move(ids)));
  Embeddings e(std::make_shared<const NodeIdIndex>(std::move(index)),
               dimensions);
  for (size_t r = 0; r < e.size(); ++r) {
    std::memcpy(e.mutable_row(r).data(), values.data() + r * dimensions,
                dimensions * sizeof(float));
  }
  return e;
}

uint64_t Embeddings::MemoryBytes() const {
  if (!ids_) return 0;
  return uint64_t{values_.size()} * sizeof(float) + ids_->MemoryBytes();
}

}  // namespace n2v
