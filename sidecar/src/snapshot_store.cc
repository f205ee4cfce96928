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

v1::Snapshot SnapshotStore::Add(std::shared_ptr<const GraphHolder> graph,
                                v1::Snapshot info) {
  info.set_snapshot_id(NewId("snap"));
  std::lock_guard<std::mutex> lock(mu_);
  snapshots_[info.snapshot_id()] = Stored{{std::move(graph), info}, absl::Now()};
  return info;
}

absl::StatusOr<SnapshotStore::Entry> SnapshotStore::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = snapshots_.find(id);
  if (it == snapshots_.end()) {
    return absl::NotFoundError(absl::StrCat("snapshot '", id, "' not found"));
  }
  it->second.last_used = absl::Now();
  return it->second.entry;
}

std::vector<v1::Snapshot> SnapshotStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Snapshot> out;
  for (const auto& [id, stored] : snapshots_) out.push_back(stored.entry.info);
  return out;
}

absl::Status SnapshotStore::Delete(const std::string& id) {
  std::shared_ptr<const GraphHolder> doomed;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = snapshots_.find(id);
  if (it == snapshots_.end()) {
    return absl::NotFoundError(absl::StrCat("snapshot '", id, "' not found"));
  }
  doomed = std::move(it->second.entry.graph);
  snapshots_.erase(it);
  return absl::OkStatus();
}

SnapshotStore::Latest SnapshotStore::LatestOf(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = latest_by_name_.find(name);
  if (it == latest_by_name_.end()) return {};
  return {it->second.entry.graph, it->second.entry.info.snapshot_id()};
}

void SnapshotStore::SetLatest(const std::string& name, const std::string& id,
                              std::shared_ptr<const GraphHolder> graph) {
  std::shared_ptr<const GraphHolder> replaced;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  Stored& slot = latest_by_name_[name];
  replaced = std::move(slot.entry.graph);
  slot.entry.graph = std::move(graph);
  slot.entry.info.set_snapshot_id(id);
  slot.last_used = absl::Now();
}

std::vector<std::string> SnapshotStore::DropUnusedSince(absl::Time cutoff) {
  std::vector<std::shared_ptr<const GraphHolder>> doomed;
  std::vector<std::string> ids;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = snapshots_.begin(); it != snapshots_.end();) {
    if (it->second.last_used < cutoff) {
      ids.push_back(it->first);
      doomed.push_back(std::move(it->second.entry.graph));
      it = snapshots_.erase(it);
    } else {
      ++it;
    }
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
