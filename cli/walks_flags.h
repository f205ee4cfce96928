// The flags that choose walks, shared by `n2v walks` and `n2v-mpi walks`:
// the graph, the walk parameters, the starts, the output, and how each is
// spelled in errors; and reading a --walk-from file, which `embed` takes
// too.
#ifndef N2V_CLI_WALKS_FLAGS_H_
#define N2V_CLI_WALKS_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "flags.h"
#include "graph_input.h"
#include "n2v/option_names.h"
#include "n2v/walks.h"

namespace n2v::cli {

struct WalksFlags {
  GraphInput graph;
  std::string output;  // empty: standard output
  std::string walk_from;
  WalksOptions options;
  int workers = 1;  // set to the core count by RegisterWalksFlags
  bool quiet = false;
};

// `workers_help` says what a worker is for this command.
void RegisterWalksFlags(FlagSet& flags, WalksFlags& f, const char* workers_help);

// The flag that sets each option ("--num-walks" for walks_per_node).
const OptionNames& WalksFlagNames();

// InvalidArgument naming the flag: the graph input, --workers, and the
// engine's rules on the walk options.
absl::Status ValidateWalksFlags(const WalksFlags& f);

// The node ids of a --walk-from file; errors start with "--walk-from: ".
absl::Status ReadWalkFrom(const std::string& path, std::vector<int64_t>* ids);

}  // namespace n2v::cli

#endif  // N2V_CLI_WALKS_FLAGS_H_
