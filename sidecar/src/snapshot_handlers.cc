// The snapshot RPCs, and the upload path they share with Embed: receive the
// stream, build the graph, attach warm-start vectors, compare with the
// previous same-named snapshot, store and describe it.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc_status.h"
#include "handlers.h"
#include "log.h"
#include "n2v/graph_diff.h"
#include "n2v/memory_model.h"
#include "n2v/status_macros.h"
#include "snapshot_assembler.h"

namespace n2v::sidecar {
namespace {

// Feeds the stream into the assembler, growing the upload's reservation as
// the columns grow.
absl::Status ReceiveInto(SnapshotAssembler& assembler, Reservation& memory,
                         grpc::ServerContext* context,
                         absl::FunctionRef<bool(v1::UploadSnapshotRequest*)> next) {
  v1::UploadSnapshotRequest message;
  while (next(&message)) {
    N2V_RETURN_IF_ERROR(assembler.Add(message));
    if (assembler.bytes() > memory.bytes()) {
      N2V_RETURN_IF_ERROR(memory.Resize(assembler.bytes(), "snapshot upload"));
    }
  }
  if (context->IsCancelled()) {
    return absl::CancelledError("upload aborted by the client");
  }
  return absl::OkStatus();
}

// Charges the build's peak and builds the graph from the upload's edges.
absl::StatusOr<CsrGraph> BuildGraph(SnapshotAssembler& assembler,
                                    Reservation& memory) {
  const v1::SnapshotHeader& header = assembler.header();
  N2V_ASSIGN_OR_RETURN(EdgeList edges, assembler.Finish());
  const uint64_t node_bound = 2 * edges.sources.size() + edges.nodes.size();
  const GraphMemory estimate = EstimateGraphMemory(
      node_bound, edges.sources.size(), header.directed(), header.weighted());
  N2V_RETURN_IF_ERROR(memory.Resize(estimate.build_peak, "snapshot build"));
  return CsrGraph::Build(std::move(edges), {.directed = header.directed()});
}

// Moves the upload's warm-start vectors into the holder.
absl::Status AttachInitialVectors(SnapshotAssembler& assembler,
                                  GraphHolder& holder) {
  if (assembler.initial_rows() == 0) return absl::OkStatus();
  N2V_ASSIGN_OR_RETURN(SnapshotAssembler::Initial initial,
                       assembler.TakeInitial());
  holder.initial = std::move(initial.vectors);
  holder.initial_context = std::move(initial.context);
  return absl::OkStatus();
}

// What changed since the previous same-named snapshot, when one is held.
void CompareWithPrevious(const GraphHolder* previous, GraphHolder& holder) {
  if (previous == nullptr) return;
  GraphChanges changes = DiffGraphs(previous->graph, holder.graph);
  holder.has_previous = true;
  holder.changed_nodes = std::move(changes.changed);
  holder.removed_nodes = changes.removed.size();
}

// Bytes the stored snapshot holds: graph, vectors and change list.
uint64_t HeldBytes(const GraphHolder& holder) {
  return holder.graph.stats().memory_bytes + holder.initial.MemoryBytes() +
         holder.initial_context.MemoryBytes() +
         holder.changed_nodes.capacity() * sizeof(int64_t);
}

// Catalog names and projections are short labels, not payloads.
constexpr size_t kMaxGraphNameBytes = 256;
constexpr size_t kMaxProjectionBytes = 64 << 10;

absl::Status CheckCatalogFields(const v1::SnapshotHeader& header) {
  if (header.graph_name().size() > kMaxGraphNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "header.graph_name must be at most ", kMaxGraphNameBytes,
        " bytes, got ", header.graph_name().size()));
  }
  if (header.projection().size() > kMaxProjectionBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "header.projection must be at most ", kMaxProjectionBytes,
        " bytes, got ", header.projection().size()));
  }
  return absl::OkStatus();
}

v1::Snapshot Describe(const v1::SnapshotHeader& header,
                      const GraphHolder& holder, absl::Time started,
                      absl::Time build_started) {
  const GraphStats& stats = holder.graph.stats();
  v1::Snapshot info;
  info.set_name(header.name());
  info.set_graph_name(header.graph_name());
  info.set_projection(header.projection());
  info.set_directed(header.directed());
  info.set_weighted(header.weighted());
  info.set_nodes(stats.num_nodes);
  info.set_edges(stats.num_edges);
  info.set_self_loops(stats.self_loops);
  info.set_merged_duplicates(stats.merged_duplicates);
  info.set_isolated_nodes(stats.isolated_nodes);
  info.set_input_edges(stats.input_edges);
  info.set_memory_bytes(stats.memory_bytes);
  info.set_build_seconds(absl::ToDoubleSeconds(absl::Now() - build_started));
  info.set_upload_seconds(absl::ToDoubleSeconds(build_started - started));
  info.set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  info.set_initial_vectors(holder.initial.size());
  info.set_changed_nodes(holder.changed_nodes.size());
  info.set_removed_nodes(holder.removed_nodes);
  return info;
}

void LogCreated(const v1::Snapshot& info) {
  Log(LogLevel::kInfo, "snapshot_created",
      {{"snapshot_id", info.snapshot_id()}, {"name", info.name()},
       {"graph_name", info.graph_name()}, {"owner", info.owner().user()},
       {"database", info.owner().database()},
       {"nodes", info.nodes()}, {"edges", info.edges()},
       {"input_edges", info.input_edges()},
       {"merged_duplicates", info.merged_duplicates()},
       {"self_loops", info.self_loops()}, {"memory_bytes", info.memory_bytes()},
       {"initial_vectors", info.initial_vectors()},
       {"previous_snapshot_id", info.previous_snapshot_id()},
       {"changed_nodes", info.changed_nodes()},
       {"upload_seconds", info.upload_seconds()},
       {"build_seconds", info.build_seconds()}});
}

}  // namespace

absl::StatusOr<v1::Snapshot> N2vHandlers::ReceiveSnapshot(const Caller& caller,
                                                          Context* context,
                                                          NextUpload next) {
  const absl::Time started = absl::Now();
  SnapshotAssembler assembler;
  N2V_ASSIGN_OR_RETURN(Reservation memory, budget_.Reserve(0, "snapshot upload"));
  N2V_RETURN_IF_ERROR(ReceiveInto(assembler, memory, context, next));
  const v1::SnapshotHeader header = assembler.header();
  N2V_RETURN_IF_ERROR(CheckCatalogFields(header));
  if (!header.graph_name().empty() &&
      snapshots_.Get(caller, {.graph_name = header.graph_name()}).ok()) {
    // Refused before the build; Add checks again, atomically.
    return absl::AlreadyExistsError(absl::StrCat(
        "a graph named '", header.graph_name(), "' already exists"));
  }
  const absl::Time build_started = absl::Now();
  N2V_ASSIGN_OR_RETURN(CsrGraph graph, BuildGraph(assembler, memory));
  auto holder = std::make_shared<GraphHolder>(std::move(graph), Reservation());
  N2V_RETURN_IF_ERROR(AttachInitialVectors(assembler, *holder));
  const SnapshotStore::Latest latest =
      header.name().empty() ? SnapshotStore::Latest{}
                            : snapshots_.LatestOf(caller.owner(), header.name());
  CompareWithPrevious(latest.graph.get(), *holder);
  memory.Resize(HeldBytes(*holder), "snapshot").IgnoreError();  // shrinking
  holder->memory = std::move(memory);
  v1::Snapshot info = Describe(header, *holder, started, build_started);
  info.set_previous_snapshot_id(latest.snapshot_id);
  std::shared_ptr<const GraphHolder> stored = std::move(holder);
  N2V_ASSIGN_OR_RETURN(info, snapshots_.Add(caller.owner(), stored, std::move(info)));
  if (!header.name().empty() && header.track_changes()) {
    snapshots_.SetLatest(caller.owner(), header.name(), info.snapshot_id(),
                         stored);
  }
  LogCreated(info);
  return info;
}

grpc::Status N2vHandlers::UploadSnapshot(
    const Caller& caller, Context* context,
    grpc::ServerReader<v1::UploadSnapshotRequest>* reader,
    v1::Snapshot* response) {
  absl::StatusOr<v1::Snapshot> snapshot = ReceiveSnapshot(
      caller, context,
      [&](v1::UploadSnapshotRequest* m) { return reader->Read(m); });
  if (!snapshot.ok()) {
    Log(LogLevel::kWarning, "upload_failed",
        {{"peer", caller.peer()},
         {"error", std::string(snapshot.status().message())}});
    return ToGrpcStatus(snapshot.status());
  }
  *response = *snapshot;
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::GetSnapshot(const Caller& caller, Context*,
                                      const v1::GetSnapshotRequest* request,
                                      v1::Snapshot* response) {
  auto entry = snapshots_.Get(caller, {request->snapshot_id(), request->graph_name()});
  if (!entry.ok()) return ToGrpcStatus(entry.status());
  *response = entry->info;
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::ListSnapshots(const Caller& caller, Context*,
                                        const v1::ListSnapshotsRequest*,
                                        v1::ListSnapshotsResponse* response) {
  for (auto& snapshot : snapshots_.List(caller)) {
    *response->add_snapshots() = std::move(snapshot);
  }
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::DeleteSnapshot(
    const Caller& caller, Context*, const v1::DeleteSnapshotRequest* request,
    v1::DeleteSnapshotResponse*) {
  absl::Status status =
      snapshots_.Delete(caller, {request->snapshot_id(), request->graph_name()});
  if (status.ok()) {
    Log(LogLevel::kInfo, "snapshot_deleted",
        {{"snapshot_id", request->snapshot_id()},
         {"graph_name", request->graph_name()},
         {"owner", caller.owner().ToString()}});
  }
  return ToGrpcStatus(status);
}

}  // namespace n2v::sidecar
