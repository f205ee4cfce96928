// SnapshotStore implementation.
#include "snapshot_store.h"

#include <atomic>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "n2v/random.h"

namespace n2v::sidecar {

std::string NewId(std::string_view prefix) {
  static const uint64_t salt = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device();
  }();
  static std::atomic<uint64_t> counter{0};
  return absl::StrFormat("%s-%016x", std::string(prefix),
                         Mix64(salt + counter.fetch_add(1)));
}

absl::Status SnapshotStore::NotFound(const SnapshotRef& ref) {
  if (!ref.graph_name.empty()) {
    return absl::NotFoundError(
        absl::StrCat("graph '", ref.graph_name, "' not found"));
  }
  return absl::NotFoundError(absl::StrCat("snapshot '", ref.id, "' not found"));
}

SnapshotStore::Stored* SnapshotStore::FindLocked(const Caller& caller,
                                                 const SnapshotRef& ref) {
  std::string id = ref.id;
  if (!ref.graph_name.empty()) {
    auto named = ids_by_name_.find(Key(caller.owner(), ref.graph_name));
    if (named == ids_by_name_.end()) return nullptr;
    id = named->second;
  }
  auto it = snapshots_.find(id);
  if (it == snapshots_.end() || !caller.Sees(it->second.owner)) return nullptr;
  return &it->second;
}

absl::StatusOr<v1::Snapshot> SnapshotStore::Add(
    const Owner& owner, std::shared_ptr<const GraphHolder> graph,
    v1::Snapshot info) {
  info.set_snapshot_id(NewId("snap"));
  *info.mutable_owner() = owner.ToProto();
  info.set_last_used_unix_ms(absl::ToUnixMillis(absl::Now()));
  std::lock_guard<std::mutex> lock(mu_);
  if (!info.graph_name().empty()) {
    auto [slot, added] =
        ids_by_name_.emplace(Key(owner, info.graph_name()), info.snapshot_id());
    if (!added) {
      return absl::AlreadyExistsError(absl::StrCat(
          "a graph named '", info.graph_name(), "' already exists"));
    }
  }
  snapshots_[info.snapshot_id()] =
      Stored{{std::move(graph), info}, owner, absl::Now(), {}};
  return info;
}

absl::StatusOr<SnapshotStore::Entry> SnapshotStore::Get(const Caller& caller,
                                                        const SnapshotRef& ref) {
  std::lock_guard<std::mutex> lock(mu_);
  Stored* stored = FindLocked(caller, ref);
  if (stored == nullptr) return NotFound(ref);
  stored->last_used = absl::Now();
  stored->entry.info.set_last_used_unix_ms(absl::ToUnixMillis(stored->last_used));
  return stored->entry;
}

std::vector<v1::Snapshot> SnapshotStore::List(const Caller& caller) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Snapshot> out;
  for (const auto& [id, stored] : snapshots_) {
    if (caller.Sees(stored.owner)) out.push_back(stored.entry.info);
  }
  return out;
}

void SnapshotStore::EraseLocked(
    std::map<std::string, Stored>::iterator it,
    std::vector<std::shared_ptr<const GraphHolder>>& doomed) {
  const std::string& name = it->second.entry.info.graph_name();
  if (!name.empty()) ids_by_name_.erase(Key(it->second.owner, name));
  doomed.push_back(std::move(it->second.entry.graph));
  snapshots_.erase(it);
}

absl::Status SnapshotStore::Delete(const Caller& caller, const SnapshotRef& ref) {
  std::vector<std::shared_ptr<const GraphHolder>> doomed;  // freed unlocked
  std::lock_guard<std::mutex> lock(mu_);
  Stored* stored = FindLocked(caller, ref);
  if (stored == nullptr) return NotFound(ref);
  EraseLocked(snapshots_.find(stored->entry.info.snapshot_id()), doomed);
  return absl::OkStatus();
}

absl::Status SnapshotStore::SetProperty(const Caller& caller,
                                        const std::string& graph_name,
                                        const std::string& property,
                                        NodeProperty value) {
  NodeProperty replaced;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  Stored* stored = FindLocked(caller, {.graph_name = graph_name});
  if (stored == nullptr) return NotFound({.graph_name = graph_name});
  NodeProperty& slot = stored->properties[property];
  replaced = std::move(slot);
  slot = std::move(value);
  v1::Snapshot& info = stored->entry.info;
  info.clear_node_properties();
  for (const auto& [name, unused] : stored->properties) {
    info.add_node_properties(name);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Embeddings>> SnapshotStore::Property(
    const Caller& caller, const std::string& graph_name,
    const std::string& property) {
  std::lock_guard<std::mutex> lock(mu_);
  Stored* stored = FindLocked(caller, {.graph_name = graph_name});
  if (stored == nullptr) return NotFound({.graph_name = graph_name});
  auto it = stored->properties.find(property);
  if (it == stored->properties.end()) {
    return absl::NotFoundError(absl::StrCat("graph '", graph_name,
                                            "' has no node property '",
                                            property, "'"));
  }
  stored->last_used = absl::Now();
  return it->second.vectors;
}

SnapshotStore::Latest SnapshotStore::LatestOf(const Owner& owner,
                                              const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = latest_by_name_.find(Key(owner, name));
  if (it == latest_by_name_.end()) return {};
  return {it->second.entry.graph, it->second.entry.info.snapshot_id()};
}

void SnapshotStore::SetLatest(const Owner& owner, const std::string& name,
                              const std::string& id,
                              std::shared_ptr<const GraphHolder> graph) {
  std::shared_ptr<const GraphHolder> replaced;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  Stored& slot = latest_by_name_[Key(owner, name)];
  replaced = std::move(slot.entry.graph);
  slot.entry.graph = std::move(graph);
  slot.entry.info.set_snapshot_id(id);
  slot.owner = owner;
  slot.last_used = absl::Now();
}

std::vector<std::string> SnapshotStore::DropUnusedSince(absl::Time cutoff) {
  std::vector<std::shared_ptr<const GraphHolder>> doomed;
  std::vector<std::string> ids;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    auto next = std::next(it);
    if (it->second.last_used < cutoff) {
      ids.push_back(it->first);
      EraseLocked(it, doomed);
    }
    it = next;
  }
  for (auto it = latest_by_name_.begin(); it != latest_by_name_.end();) {
    if (it->second.last_used < cutoff) {
      doomed.push_back(std::move(it->second.entry.graph));
      it = latest_by_name_.erase(it);
    } else {
      ++it;
    }
  }
  return ids;
}

}  // namespace n2v::sidecar
