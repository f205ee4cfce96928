// SnapshotStore: the built graphs the server holds, by id and, for named
// graphs, by (owner, name), with the node properties jobs stored on them.
//
// A graph and its memory reservation live in one GraphHolder shared by the
// store and by the jobs running on it, so deleting a snapshot while a job
// runs keeps the graph (and its charge) until the job lets go.
//
// Every lookup takes the Caller: another owner's snapshot is NOT_FOUND, with
// the same message as a missing one, unless the caller is an admin. Names
// are looked up in the caller's own catalog.
//
// Thread safety: all methods may be called concurrently.
#ifndef N2V_SIDECAR_SNAPSHOT_STORE_H_
#define N2V_SIDECAR_SNAPSHOT_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "memory_budget.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/v1/n2v.pb.h"
#include "owner.h"

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

// A node property stored on a named graph, with its memory charge.
struct NodeProperty {
  std::shared_ptr<const Embeddings> vectors;
  std::shared_ptr<Reservation> memory;
};

// Which snapshot a request means: an id, or a graph name of the caller's.
struct SnapshotRef {
  std::string id = {};
  std::string graph_name = {};
};

class SnapshotStore {
 public:
  // Stores the graph for `owner` and returns its description with the new
  // id, owner and name filled in. AlreadyExists when the owner has a graph
  // of that name (info.graph_name()).
  absl::StatusOr<v1::Snapshot> Add(const Owner& owner,
                                   std::shared_ptr<const GraphHolder> graph,
                                   v1::Snapshot info);

  struct Entry {
    std::shared_ptr<const GraphHolder> graph;
    v1::Snapshot info;
  };
  // NotFound "snapshot '<id>' not found" (or "graph '<name>' not found")
  // when absent or not the caller's. Marks it used.
  absl::StatusOr<Entry> Get(const Caller& caller, const SnapshotRef& ref);
  // The caller's snapshots (everyone's for an admin).
  std::vector<v1::Snapshot> List(const Caller& caller) const;
  absl::Status Delete(const Caller& caller, const SnapshotRef& ref);

  // Stores vectors on a named graph as `property` (replacing one of that
  // name) with their memory charge.
  absl::Status SetProperty(const Caller& caller, const std::string& graph_name,
                           const std::string& property, NodeProperty value);
  // NotFound naming the graph or the property.
  absl::StatusOr<std::shared_ptr<const Embeddings>> Property(
      const Caller& caller, const std::string& graph_name,
      const std::string& property);

  // The latest graph `owner` uploaded under the tracking `name` (null when
  // none is held). It is kept, even after DeleteSnapshot, until a newer
  // upload of that name or the retention time replaces it, so incremental
  // jobs can diff against it. Graph and id are read together.
  struct Latest {
    std::shared_ptr<const GraphHolder> graph;
    std::string snapshot_id;
  };
  Latest LatestOf(const Owner& owner, const std::string& name) const;
  void SetLatest(const Owner& owner, const std::string& name,
                 const std::string& id, std::shared_ptr<const GraphHolder> graph);

  // Drops snapshots unused since `cutoff`; returns their ids.
  std::vector<std::string> DropUnusedSince(absl::Time cutoff);

 private:
  struct Stored {
    Entry entry;
    Owner owner;
    absl::Time last_used;
    std::map<std::string, NodeProperty> properties;
  };
  using OwnedName = std::pair<std::pair<std::string, std::string>, std::string>;
  static OwnedName Key(const Owner& owner, const std::string& name) {
    return {{owner.database, owner.user}, name};
  }
  // The stored snapshot `ref` names for the caller, or null; mu_ held.
  Stored* FindLocked(const Caller& caller, const SnapshotRef& ref);
  static absl::Status NotFound(const SnapshotRef& ref);
  void EraseLocked(std::map<std::string, Stored>::iterator it,
                   std::vector<std::shared_ptr<const GraphHolder>>& doomed);

  mutable std::mutex mu_;
  std::map<std::string, Stored> snapshots_;
  std::map<OwnedName, std::string> ids_by_name_;
  std::map<OwnedName, Stored> latest_by_name_;
};

// A fresh id like "snap-5f0c2a9e81b3d4c7".
std::string NewId(std::string_view prefix);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SNAPSHOT_STORE_H_
