// The flags that name a graph to read (--input, --nodes, --weighted /
// --unweighted, --directed / --undirected), shared by the commands that read
// one, and the reading itself.
#ifndef N2V_CLI_GRAPH_INPUT_H_
#define N2V_CLI_GRAPH_INPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "flags.h"
#include "n2v/graph.h"

namespace n2v::cli {

struct GraphInput {
  std::string input;
  std::string nodes;
  bool weighted = false;
  bool directed = false;
};

void RegisterGraphInputFlags(FlagSet& flags, GraphInput& g);

// InvalidArgument "--input is required" when it is missing.
absl::Status ValidateGraphInput(const GraphInput& g);

// Reads and builds the graph; errors name the file.
absl::StatusOr<CsrGraph> LoadGraph(const GraphInput& g, int workers);

// "n2v: graph: N nodes, M edges (...)" on stderr.
void PrintGraphSummary(const GraphInput& g, const GraphStats& stats,
                       double seconds);

}  // namespace n2v::cli

#endif  // N2V_CLI_GRAPH_INPUT_H_
