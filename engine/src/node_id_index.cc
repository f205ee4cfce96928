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

// A hash map's slot and its control byte; the control array has a group's
// worth of cloned bytes after the last slot.
constexpr uint64_t kHashSlotBytes =
    sizeof(absl::flat_hash_map<int64_t, uint32_t>::value_type) + 1;
constexpr uint64_t kHashControlTail = 16;

size_t NodeIdIndex::MemoryBytes() const {
  const size_t hashed = hashed_.capacity() == 0
                            ? 0
                            : hashed_.capacity() * kHashSlotBytes + kHashControlTail;
  return ids_.capacity() * sizeof(int64_t) +
         direct_.capacity() * sizeof(uint32_t) + hashed;
}

uint64_t NodeIdIndex::MaxMemoryBytes(uint64_t num_ids) {
  const uint64_t direct =
      (kMaxDirectSlotsPerId * num_ids + kDirectSlack) * sizeof(uint32_t);
  // A reserved flat_hash_map's capacity is 2^k - 1, at most 7/8 full.
  uint64_t capacity = 1;
  while (capacity - capacity / 8 < num_ids) capacity = capacity * 2 + 1;
  const uint64_t hashed = capacity * kHashSlotBytes + kHashControlTail;
  return num_ids * sizeof(int64_t) + std::max(direct, hashed);
}

}  // namespace n2v
