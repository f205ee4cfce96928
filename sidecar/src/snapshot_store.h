// SnapshotStore: the built graphs the server holds, by id.
//
// A graph and its memory reservation live in one GraphHolder shared by the
// store and by the jobs running on it, so deleting a snapshot while a job
// runs keeps the graph (and its charge) until the job lets go.
//
// Thread safety: all methods may be called concurrently.
#ifndef N2V_SIDECAR_SNAPSHOT_STORE_H_
#define N2V_SIDECAR_SNAPSHOT_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "memory_budget.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/v1/n2v.pb.h"

namespace n2v::sidecar {

struct GraphHolder {
  GraphHolder(CsrGraph g, Reservation r)
      : graph(std::move(g)), memory(std::move(r)) {}
  CsrGraph graph;
  Reservation memory;
  // Warm-start vectors uploaded with the graph (empty when none).
  Embeddings initial;
  Embeddings initial_context;
  // Against the previous snapshot of the same name, when one was held.
  bool has_previous = false;
  std::vector<int64_t> changed_nodes;
  uint64_t removed_nodes = 0;
};

class SnapshotStore {
 public:
  // Stores the graph and returns its description with the new id filled in.
  v1::Snapshot Add(std::shared_ptr<const GraphHolder> graph, v1::Snapshot info);

  struct Entry {
    std::shared_ptr<const GraphHolder> graph;
    v1::Snapshot info;
  };
  // NotFound "snapshot <id> not found" when absent. Marks it used.
  absl::StatusOr<Entry> Get(const std::string& id);
  std::vector<v1::Snapshot> List() const;
  absl::Status Delete(const std::string& id);
  // The latest graph uploaded under `name` (null when none is held). It is
  // kept, even after DeleteSnapshot, until a newer upload of that name or
  // the retention time replaces it, so incremental jobs can diff against it.
  // Graph and id are read together (a concurrent upload of the same name
  // cannot pair one's graph with the other's id); graph is null when none.
  struct Latest {
    std::shared_ptr<const GraphHolder> graph;
    std::string snapshot_id;
  };
  Latest LatestOf(const std::string& name) const;
  void SetLatest(const std::string& name, const std::string& id,
                 std::shared_ptr<const GraphHolder> graph);

  // Drops snapshots unused since `cutoff`; returns their ids.
  std::vector<std::string> DropUnusedSince(absl::Time cutoff);

 private:
  struct Stored {
    Entry entry;
    absl::Time last_used;
  };
  mutable std::mutex mu_;
  std::map<std::string, Stored> snapshots_;
  std::map<std::string, Stored> latest_by_name_;
};

// A fresh id like "snap-5f0c2a9e81b3d4c7".
std::string NewId(std::string_view prefix);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SNAPSHOT_STORE_H_
