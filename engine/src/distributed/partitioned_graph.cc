// PartitionedGraph: read a share, route arcs to their owners, build.
#include "n2v/distributed/partitioned_graph.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/random.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Edges read (Route) or arcs sent (Scatter) per routing exchange. Its
// buffers stay small next to the graph part being built: 24 bytes an arc,
// up to two arcs an edge, in about five copies (packed by owner,
// AllToAll's send and receive buffers, the parts it returns), so about
// 60 MiB.
constexpr size_t kArcsPerExchange = size_t{1} << 18;

struct Arc {
  int64_t source;
  int64_t target;
  float weight;
  uint32_t unused = 0;
};

bool PerRankFiles(const std::string& path) {
  return path.find("{rank}") != std::string::npos;
}

std::string RankFile(const std::string& path, int rank) {
  return absl::StrReplaceAll(path, {{"{rank}", absl::StrCat(rank)}});
}

absl::StatusOr<EdgeList> ReadShare(const Communicator& comm,
                                   const GraphSource& source, int num_threads) {
  const io::EdgeListReadOptions options{.weighted = source.weighted,
                                        .num_threads = num_threads};
  EdgeList edges;
  if (PerRankFiles(source.edges)) {
    N2V_ASSIGN_OR_RETURN(edges, io::ReadEdgeList(RankFile(source.edges, comm.rank()),
                                                 options));
  } else {
    N2V_ASSIGN_OR_RETURN(edges, io::ReadEdgeListShare(source.edges, options,
                                                      comm.rank(), comm.size()));
  }
  if (source.nodes.empty()) return edges;
  if (PerRankFiles(source.nodes)) {
    N2V_ASSIGN_OR_RETURN(edges.nodes,
                         io::ReadNodeList(RankFile(source.nodes, comm.rank())));
  } else {
    N2V_ASSIGN_OR_RETURN(edges.nodes, io::ReadNodeListShare(
                                          source.nodes, comm.rank(), comm.size()));
  }
  return edges;
}

void AppendArc(std::vector<std::string>& out, int owner, int64_t u, int64_t v,
               float w) {
  AppendPod(out[owner], Arc{u, v, w});
}

// The arcs packed in `bytes`, appended to `mine` as they are read.
void AppendArcs(std::string_view bytes, bool weighted, EdgeList& mine) {
  for (size_t at = 0; at + sizeof(Arc) <= bytes.size(); at += sizeof(Arc)) {
    Arc arc;
    std::memcpy(&arc, bytes.data() + at, sizeof arc);
    mine.sources.push_back(arc.source);
    mine.targets.push_back(arc.target);
    if (weighted) mine.weights.push_back(arc.weight);
  }
}

// Collective: room in `mine` for every arc and node that `share` and the
// other ranks' shares will send here, so it is filled without regrowing
// (a vector that doubles holds up to three times its arcs meanwhile).
absl::Status ReserveRouted(const Communicator& comm, const EdgeList& share,
                           bool directed, bool weighted, EdgeList& mine) {
  const int ranks = comm.size();
  // Per owner: arcs, then nodes.
  std::vector<uint64_t> counts(2 * ranks, 0);
  for (size_t i = 0; i < share.sources.size(); ++i) {
    const int64_t u = share.sources[i], v = share.targets[i];
    ++counts[OwnerOf(u, ranks)];
    if (!directed && u != v) ++counts[OwnerOf(v, ranks)];
    if (directed) ++counts[ranks + OwnerOf(v, ranks)];
  }
  for (int64_t id : share.nodes) ++counts[ranks + OwnerOf(id, ranks)];
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(counts)));
  const uint64_t arcs = counts[comm.rank()], nodes = counts[ranks + comm.rank()];
  mine.sources.reserve(arcs);
  mine.targets.reserve(arcs);
  if (weighted) mine.weights.reserve(arcs);
  mine.nodes.reserve(nodes);
  return absl::OkStatus();
}

// Sends each arc (both ways when undirected) and each node to its owner,
// a bounded number of arcs per exchange.
absl::StatusOr<EdgeList> Route(const Communicator& comm, EdgeList share,
                               bool directed, bool weighted) {
  const int ranks = comm.size();
  std::vector<uint64_t> rounds = {
      (share.sources.size() + kArcsPerExchange - 1) / kArcsPerExchange + 1};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(rounds)));
  EdgeList mine;
  N2V_RETURN_IF_ERROR(ReserveRouted(comm, share, directed, weighted, mine));
  for (uint64_t round = 0; round < rounds[0]; ++round) {
    std::vector<std::string> arcs(ranks), nodes(ranks);
    const size_t begin = std::min(share.sources.size(), round * kArcsPerExchange);
    const size_t end = std::min(share.sources.size(), begin + kArcsPerExchange);
    for (size_t i = begin; i < end; ++i) {
      const int64_t u = share.sources[i], v = share.targets[i];
      const float w = weighted ? share.weights[i] : 1.0f;
      AppendArc(arcs, OwnerOf(u, ranks), u, v, w);
      if (!directed && u != v) AppendArc(arcs, OwnerOf(v, ranks), v, u, w);
      if (directed) AppendPod(nodes[OwnerOf(v, ranks)], v);
    }
    if (round == 0) {
      for (int64_t id : share.nodes) AppendPod(nodes[OwnerOf(id, ranks)], id);
    }
    std::vector<std::string> in_arcs, in_nodes;
    N2V_RETURN_IF_ERROR(comm.AllToAll(arcs, &in_arcs));
    N2V_RETURN_IF_ERROR(comm.AllToAll(nodes, &in_nodes));
    for (int r = 0; r < ranks; ++r) {
      AppendArcs(in_arcs[r], weighted, mine);
      in_arcs[r] = std::string();
      for (int64_t id : ReadPods<int64_t>(in_nodes[r])) mine.nodes.push_back(id);
    }
  }
  return mine;
}

// Root sends every node of `whole` and its out-arcs to the node's owner, a
// bounded number of arcs per exchange; the others receive their part.
absl::StatusOr<EdgeList> Scatter(const Communicator& comm, const CsrGraph* whole,
                                 int root, bool weighted) {
  const int ranks = comm.size();
  const bool sending = comm.rank() == root;
  std::vector<uint64_t> rounds = {
      sending ? whole->num_arcs() / kArcsPerExchange + 1 : 0};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(rounds)));
  EdgeList mine;
  NodeIndex next = 0;  // root: the first node not yet sent
  for (uint64_t round = 0; round < rounds[0]; ++round) {
    std::vector<std::string> arcs(ranks), nodes(ranks), in_arcs, in_nodes;
    uint64_t packed = 0;
    while (sending && next < whole->num_nodes() &&
           (packed == 0 || packed + whole->out_degree(next) <= kArcsPerExchange ||
            round + 1 == rounds[0])) {
      const int64_t u = whole->original_id(next);
      const int owner = OwnerOf(u, ranks);
      AppendPod(nodes[owner], u);
      const auto targets = whole->out_neighbors(next);
      for (size_t i = 0; i < targets.size(); ++i) {
        const float w = weighted ? whole->out_weights(next)[i] : 1.0f;
        AppendArc(arcs, owner, u, whole->original_id(targets[i]), w);
      }
      packed += targets.size();
      ++next;
    }
    N2V_RETURN_IF_ERROR(comm.AllToAll(arcs, &in_arcs));
    N2V_RETURN_IF_ERROR(comm.AllToAll(nodes, &in_nodes));
    AppendArcs(in_arcs[root], weighted, mine);
    for (int64_t id : ReadPods<int64_t>(in_nodes[root])) mine.nodes.push_back(id);
  }
  return mine;
}

}  // namespace

int OwnerOf(int64_t id, int ranks) {
  return static_cast<int>(Mix64(static_cast<uint64_t>(id) ^ 0x6e32765f70617274ULL) %
                          static_cast<uint64_t>(ranks));
}

PartitionedGraph::PartitionedGraph(CsrGraph local, int rank, int ranks,
                                   bool weighted)
    : local_(std::move(local)), ranks_(ranks), weighted_(weighted) {
  owned_flags_.assign(local_.num_nodes(), 0);
  row_of_.assign(local_.num_nodes(), 0);
  for (NodeIndex v = 0; v < local_.num_nodes(); ++v) {
    if (OwnerOf(local_.original_id(v), ranks) == rank) {
      owned_flags_[v] = 1;
      row_of_[v] = static_cast<uint32_t>(owned_.size());
      owned_.push_back(v);
    }
  }
}

absl::StatusOr<PartitionedGraph> PartitionedGraph::Load(
    const Communicator& comm, const GraphSource& source, int num_threads) {
  absl::StatusOr<EdgeList> share = ReadShare(comm, source, num_threads);
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, share.status(), "reading its share of the graph"));
  return Build(comm, *std::move(share), source.directed, source.weighted,
               num_threads);
}

absl::StatusOr<PartitionedGraph> PartitionedGraph::Build(const Communicator& comm,
                                                         EdgeList share,
                                                         bool directed,
                                                         bool weighted,
                                                         int num_threads) {
  N2V_ASSIGN_OR_RETURN(EdgeList mine,
                       Route(comm, std::move(share), directed, weighted));
  return Assemble(comm, std::move(mine), directed, weighted, num_threads);
}

absl::StatusOr<PartitionedGraph> PartitionedGraph::FromWhole(const Communicator& comm,
                                                             const CsrGraph* whole,
                                                             int root, int num_threads) {
  std::string kind;
  if (comm.rank() == root) {
    kind = {static_cast<char>(whole->directed()), static_cast<char>(whole->weighted())};
  }
  N2V_RETURN_IF_ERROR(comm.Broadcast(&kind, root));
  const bool directed = kind[0] != 0, weighted = kind[1] != 0;
  N2V_ASSIGN_OR_RETURN(EdgeList mine, Scatter(comm, whole, root, weighted));
  return Assemble(comm, std::move(mine), directed, weighted, num_threads);
}

absl::StatusOr<PartitionedGraph> PartitionedGraph::Assemble(const Communicator& comm,
                                                            EdgeList mine,
                                                            bool directed,
                                                            bool weighted,
                                                            int num_threads) {
  // The arcs are already both ways: build them one way.
  absl::StatusOr<CsrGraph> local = CsrGraph::Build(
      std::move(mine), {.directed = true, .num_threads = num_threads});
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, local.status(), "building its part of the graph"));
  PartitionedGraph graph(*std::move(local), comm.rank(), comm.size(), weighted);
  PartitionStats& s = graph.stats_;
  s.owned_nodes = graph.owned_.size();
  s.owned_arcs = graph.local_.num_arcs();
  s.stub_nodes = graph.local_.num_nodes() - s.owned_nodes;
  s.memory_bytes = graph.local_.stats().memory_bytes;
  std::vector<uint64_t> totals = {s.owned_nodes, s.owned_arcs,
                                  graph.local_.stats().self_loops};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(totals)));
  s.num_nodes = totals[0];
  s.num_arcs = totals[1];
  s.num_edges = directed ? totals[1] : (totals[1] - totals[2]) / 2 + totals[2];
  std::vector<uint64_t> largest = {s.memory_bytes};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(largest)));
  s.max_memory_bytes = largest[0];
  if (s.num_nodes == 0) {
    return absl::InvalidArgumentError("empty graph (no edges or nodes)");
  }
  return graph;
}

}  // namespace n2v::distributed
