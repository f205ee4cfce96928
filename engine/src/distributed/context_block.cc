// ContextBlock: layout, construction, negatives.
#include "distributed/context_block.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/alias_table.h"

namespace n2v::distributed {
namespace {

struct Header {
  int32_t owner;
  uint32_t rows;
  uint32_t stride;
  uint32_t unused;
};

// The header takes one cache line, so the vectors start 64-byte aligned.
constexpr size_t kHeaderFloats = 16;

Header HeaderOf(const AlignedFloats& storage) {
  Header h;
  std::memcpy(&h, storage.data(), sizeof h);
  return h;
}

}  // namespace

uint64_t ContextBlock::BytesFor(uint64_t rows, uint32_t stride) {
  return (kHeaderFloats + rows * stride + 2 * rows) * sizeof(float);
}

ContextBlock::ContextBlock(int owner, uint32_t stride, std::span<const double> noise,
                           uint64_t room_rows) {
  const auto rows = static_cast<uint32_t>(noise.size());
  storage_ = AlignedFloats(BytesFor(std::max<uint64_t>(rows, room_rows), stride) /
                           sizeof(float));
  std::fill(storage_.data(), storage_.data() + storage_.size(), 0.0f);
  const Header header{owner, rows, stride, 0};
  std::memcpy(storage_.data(), &header, sizeof header);
  Locate();
  if (rows == 0) return;
  double sum = 0;
  for (double w : noise) sum += w;
  std::vector<double> weights(noise.begin(), noise.end());
  if (sum <= 0) std::fill(weights.begin(), weights.end(), 1.0);
  internal::AliasScratch scratch;
  internal::BuildAlias(std::span<const double>(weights), const_cast<float*>(prob_),
                       const_cast<uint32_t*>(alias_), scratch);
}

ContextBlock::ContextBlock(AlignedFloats storage) : storage_(std::move(storage)) {
  Locate();
}

void ContextBlock::Locate() {
  const Header h = HeaderOf(storage_);
  stride_ = h.stride;
  vectors_ = storage_.data() + kHeaderFloats;
  prob_ = vectors_ + size_t{h.rows} * h.stride;
  alias_ = reinterpret_cast<const uint32_t*>(prob_ + h.rows);
}

int ContextBlock::owner() const { return HeaderOf(storage_).owner; }
uint32_t ContextBlock::rows() const { return HeaderOf(storage_).rows; }

uint32_t ContextBlock::SampleNegative(Rng& rng) const {
  return internal::SampleAlias(prob_, alias_, rows(), rng);
}

std::span<const char> ContextBlock::bytes() const {
  return {reinterpret_cast<const char*>(storage_.data()), BytesFor(rows(), stride_)};
}

AlignedFloats ContextBlock::TakeStorage() && {
  vectors_ = nullptr;
  prob_ = nullptr;
  alias_ = nullptr;
  return std::move(storage_);
}

absl::StatusOr<ContextBlock> ContextBlock::FromBytes(AlignedFloats storage,
                                                     uint64_t size) {
  if (size < kHeaderFloats * sizeof(float)) {
    return absl::InternalError(absl::StrCat("context block: ", size, " bytes"));
  }
  const Header h = HeaderOf(storage);
  if (size != BytesFor(h.rows, h.stride) || size > storage.size() * sizeof(float)) {
    return absl::InternalError(absl::StrCat("context block of rank ", h.owner, ": ", size,
                                            " bytes, expected ",
                                            BytesFor(h.rows, h.stride)));
  }
  return ContextBlock(std::move(storage));
}

}  // namespace n2v::distributed
