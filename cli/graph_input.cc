// Graph input flags and loading.
#include "graph_input.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/status_macros.h"

namespace n2v::cli {

void RegisterGraphInputFlags(FlagSet& flags, GraphInput& g) {
  flags.AddString("input", &g.input, "edge list: 'u v [weight]' per line, .gz ok");
  flags.AddString("nodes", &g.nodes,
                  "optional node list (one id per line) adding isolated nodes");
  flags.AddSwitch("weighted", &g.weighted, true, "read a weight column");
  flags.AddSwitch("unweighted", &g.weighted, false, "all edges weigh 1");
  flags.AddSwitch("directed", &g.directed, true, "edges are one-way");
  flags.AddSwitch("undirected", &g.directed, false, "edges are two-way");
}

absl::Status ValidateGraphInput(const GraphInput& g) {
  if (g.input.empty()) return absl::InvalidArgumentError("--input is required");
  return absl::OkStatus();
}

absl::StatusOr<CsrGraph> LoadGraph(const GraphInput& g, int workers) {
  N2V_ASSIGN_OR_RETURN(
      EdgeList edges,
      io::ReadEdgeList(g.input, {.weighted = g.weighted, .num_threads = workers}));
  if (!g.nodes.empty()) {
    N2V_ASSIGN_OR_RETURN(edges.nodes, io::ReadNodeList(g.nodes));
  }
  if (edges.sources.empty() && edges.nodes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(g.input, ": empty graph (no edges or nodes)"));
  }
  absl::StatusOr<CsrGraph> graph = CsrGraph::Build(
      std::move(edges), {.directed = g.directed, .num_threads = workers});
  if (!graph.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(g.input, ": ", graph.status().message()));
  }
  return graph;
}

void PrintGraphSummary(const GraphInput& g, const GraphStats& gs,
                       double seconds) {
  std::fprintf(stderr,
               "n2v: graph: %llu nodes, %llu edges (%s, %s), %llu self-loops, "
               "%llu merged duplicates, %llu isolated; %.1f bytes/edge; "
               "loaded in %.2f s\n",
               static_cast<unsigned long long>(gs.num_nodes),
               static_cast<unsigned long long>(gs.num_edges),
               g.directed ? "directed" : "undirected",
               g.weighted ? "weighted" : "unweighted",
               static_cast<unsigned long long>(gs.self_loops),
               static_cast<unsigned long long>(gs.merged_duplicates),
               static_cast<unsigned long long>(gs.isolated_nodes),
               gs.bytes_per_edge, seconds);
}

}  // namespace n2v::cli
