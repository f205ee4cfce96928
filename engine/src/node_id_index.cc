// NodeIdIndex construction: direct table for nearly contiguous ids, hash map
// otherwise.
#include "n2v/node_id_index.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace n2v {
namespace {

// A direct table is used when it costs at most this many slots per id.
constexpr uint64_t kMaxDirectSlotsPerId = 4;
constexpr uint64_t kDirectSlack = 1024;

}  // namespace

absl::StatusOr<NodeIdIndex> NodeIdIndex::Create(std::vector<int64_t> ids) {
  if (ids.size() >= kAbsent) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many nodes: ", ids.size(), " (at most ",
                     kAbsent - 1, " are supported)"));
  }
  NodeIdIndex index;
  index.ids_ = std::move(ids);
  if (index.ids_.empty()) return index;

  const auto [min_it, max_it] =
      std::minmax_element(index.ids_.begin(), index.ids_.end());
  const uint64_t span = static_cast<uint64_t>(*max_it) -
                        static_cast<uint64_t>(*min_it) + 1;  // may wrap to 0
  const uint64_t budget =
      kMaxDirectSlotsPerId * index.ids_.size() + kDirectSlack;
  if (span != 0 && span <= budget) {
    index.direct_base_ = *min_it;
    index.direct_.assign(span, kAbsent);
    for (uint32_t i = 0; i < index.ids_.size(); ++i) {
      const uint64_t offset = static_cast<uint64_t>(index.ids_[i]) -
                              static_cast<uint64_t>(index.direct_base_);
      if (index.direct_[offset] != kAbsent) {
        return absl::InvalidArgumentError(
            absl::StrCat("node id ", index.ids_[i], " is repeated"));
      }
      index.direct_[offset] = i;
    }
    return index;
  }
  index.hashed_.reserve(index.ids_.size());
  for (uint32_t i = 0; i < index.ids_.size(); ++i) {
    if (!index.hashed_.emplace(index.ids_[i], i).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("node id ", index.ids_[i], " is repeated"));
    }
  }
  return index;
}

size_t NodeIdIndex::MemoryBytes() const {
  return ids_.capacity() * sizeof(int64_t) +
         direct_.capacity() * sizeof(uint32_t) +
         hashed_.capacity() * (sizeof(int64_t) + sizeof(uint32_t) + 1);
}

}  // namespace n2v
