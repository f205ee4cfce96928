// Embeddings: one float vector per node, addressed by the caller's node ids.
//
// Rows are stored contiguously with a stride padded to 16 floats and 64-byte
// alignment, so SIMD kernels can run on whole rows; the padding is zero.
//
// Thread safety: const methods may be called concurrently; writers need
// exclusive access.
#ifndef N2V_EMBEDDINGS_H_
#define N2V_EMBEDDINGS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/node_id_index.h"

namespace n2v {

// Rounds a dimension up to the row stride used by every float matrix here.
inline uint32_t PaddedDimension(uint32_t dimensions) {
  return (dimensions + 15u) & ~15u;
}

// A zero-initialised, 64-byte aligned float array.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t count);
  AlignedFloats(AlignedFloats&&) noexcept = default;
  AlignedFloats& operator=(AlignedFloats&&) noexcept = default;

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float[], Free> data_;
  size_t size_ = 0;
};

class Embeddings {
 public:
  Embeddings() = default;
  // Zero vectors for the nodes of `ids`, in its order.
  Embeddings(std::shared_ptr<const NodeIdIndex> ids, uint32_t dimensions);

  // Builds from rows given in the order of `ids`; `values` holds
  // ids.size() * dimensions floats. InvalidArgument on a size mismatch, a
  // repeated id or a zero dimension.
  static absl::StatusOr<Embeddings> FromRows(std::vector<int64_t> ids,
                                             uint32_t dimensions,
                                             std::span<const float> values);

  size_t size() const { return ids_ ? ids_->size() : 0; }
  uint32_t dimensions() const { return dimensions_; }
  uint32_t stride() const { return stride_; }

  int64_t id(size_t row) const { return ids_->id(row); }
  const NodeIdIndex& ids() const { return *ids_; }
  std::shared_ptr<const NodeIdIndex> shared_ids() const { return ids_; }
  // Row of `id`, or nullopt when the id has no vector.
  std::optional<uint32_t> Find(int64_t id) const { return ids_->Find(id); }

  std::span<const float> row(size_t r) const {
    return {values_.data() + r * stride_, dimensions_};
  }
  std::span<float> mutable_row(size_t r) {
    return {values_.data() + r * stride_, dimensions_};
  }
  // Start of the padded matrix (size() rows of stride() floats).
  float* mutable_data() { return values_.data(); }
  const float* data() const { return values_.data(); }

  // Bytes held: the rows and the id index (which copies may share).
  uint64_t MemoryBytes() const;

 private:
  std::shared_ptr<const NodeIdIndex> ids_;
  uint32_t dimensions_ = 0;
  uint32_t stride_ = 0;
  AlignedFloats values_;
};

}  // namespace n2v

#endif  // N2V_EMBEDDINGS_H_
