// ContextBlock: construction, negatives, bytes.
#include "distributed/context_block.h"

#include <cstring>

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

}  // namespace

ContextBlock::ContextBlock(int owner, uint32_t stride, std::span<const double> noise)
    : owner_(owner),
      rows_(static_cast<uint32_t>(noise.size())),
      stride_(stride),
      vectors_(size_t{rows_} * stride),
      prob_(rows_),
      alias_(rows_) {
  std::fill(vectors_.data(), vectors_.data() + vectors_.size(), 0.0f);
  if (rows_ == 0) return;
  double sum = 0;
  for (double w : noise) sum += w;
  std::vector<double> weights(noise.begin(), noise.end());
  if (sum <= 0) std::fill(weights.begin(), weights.end(), 1.0);
  internal::AliasScratch scratch;
  internal::BuildAlias(std::span<const double>(weights), prob_.data(), alias_.data(),
                       scratch);
}

uint32_t ContextBlock::SampleNegative(Rng& rng) const {
  return internal::SampleAlias(prob_.data(), alias_.data(), rows_, rng);
}

uint64_t ContextBlock::MemoryBytes() const {
  return vectors_.size() * sizeof(float) + prob_.size() * sizeof(float) +
         alias_.size() * sizeof(uint32_t);
}

std::string ContextBlock::Serialize() const {
  std::string out;
  const Header header{owner_, rows_, stride_, 0};
  out.reserve(sizeof header + MemoryBytes());
  out.append(reinterpret_cast<const char*>(&header), sizeof header);
  out.append(reinterpret_cast<const char*>(vectors_.data()),
             vectors_.size() * sizeof(float));
  out.append(reinterpret_cast<const char*>(prob_.data()), prob_.size() * sizeof(float));
  out.append(reinterpret_cast<const char*>(alias_.data()),
             alias_.size() * sizeof(uint32_t));
  return out;
}

absl::StatusOr<ContextBlock> ContextBlock::Parse(std::string_view bytes) {
  Header header;
  if (bytes.size() < sizeof header) {
    return absl::InternalError("context block: truncated header");
  }
  std::memcpy(&header, bytes.data(), sizeof header);
  const size_t vector_bytes = size_t{header.rows} * header.stride * sizeof(float);
  const size_t expected =
      sizeof header + vector_bytes + size_t{header.rows} * (sizeof(float) + sizeof(uint32_t));
  if (bytes.size() != expected) {
    return absl::InternalError(absl::StrCat("context block of rank ", header.owner,
                                            ": ", bytes.size(), " bytes, expected ",
                                            expected));
  }
  ContextBlock block;
  block.owner_ = header.owner;
  block.rows_ = header.rows;
  block.stride_ = header.stride;
  block.vectors_ = AlignedFloats(size_t{header.rows} * header.stride);
  block.prob_.resize(header.rows);
  block.alias_.resize(header.rows);
  const char* at = bytes.data() + sizeof header;
  if (header.rows == 0) return block;
  std::memcpy(block.vectors_.data(), at, vector_bytes);
  at += vector_bytes;
  std::memcpy(block.prob_.data(), at, header.rows * sizeof(float));
  at += header.rows * sizeof(float);
  std::memcpy(block.alias_.data(), at, header.rows * sizeof(uint32_t));
  return block;
}

}  // namespace n2v::distributed
