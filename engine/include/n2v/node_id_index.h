// NodeIdIndex: maps caller node ids (arbitrary 64-bit integers, e.g. database
// ids) to dense positions 0..n-1 and back.
//
// Lookups use a direct table when the ids are nearly contiguous (the common
// case of 0- or 1-based ids) and a hash map otherwise.
//
// Thread safety: const methods may be called concurrently.
#ifndef N2V_NODE_ID_INDEX_H_
#define N2V_NODE_ID_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace n2v {

class NodeIdIndex {
 public:
  NodeIdIndex() = default;

  // Indexes `ids` in the given order: position i holds ids[i]. Returns
  // InvalidArgument naming the first repeated id, or when there are more than
  // 2^32 - 1 ids.
  static absl::StatusOr<NodeIdIndex> Create(std::vector<int64_t> ids);

  size_t size() const { return ids_.size(); }
  int64_t id(size_t position) const { return ids_[position]; }
  const std::vector<int64_t>& ids() const { return ids_; }

  // Position of `id`, or nullopt when it is not indexed.
  std::optional<uint32_t> Find(int64_t id) const {
    if (!direct_.empty()) {
      const uint64_t offset =
          static_cast<uint64_t>(id) - static_cast<uint64_t>(direct_base_);
      if (offset >= direct_.size() || direct_[offset] == kAbsent) {
        return std::nullopt;
      }
      return direct_[offset];
    }
    auto it = hashed_.find(id);
    if (it == hashed_.end()) return std::nullopt;
    return it->second;
  }

  // Asks the cache for what Find(id) reads, for callers that overlap
  // several lookups.
  void Prefetch(int64_t id) const {
    if (!direct_.empty()) {
      const uint64_t offset =
          static_cast<uint64_t>(id) - static_cast<uint64_t>(direct_base_);
      if (offset < direct_.size()) __builtin_prefetch(direct_.data() + offset);
      return;
    }
    hashed_.prefetch(id);
  }

  // Bytes held by the index.
  size_t MemoryBytes() const;
  // The most bytes an index of `num_ids` ids can hold, whatever the ids.
  static uint64_t MaxMemoryBytes(uint64_t num_ids);

 private:
  static constexpr uint32_t kAbsent = 0xffffffffu;

  std::vector<int64_t> ids_;
  int64_t direct_base_ = 0;
  std::vector<uint32_t> direct_;
  absl::flat_hash_map<int64_t, uint32_t> hashed_;
};

}  // namespace n2v

#endif  // N2V_NODE_ID_INDEX_H_
