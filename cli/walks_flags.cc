// Walk flags: registration, names, checks, and --walk-from files.
#include "walks_flags.h"

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/status_macros.h"
#include "output_file.h"

namespace n2v::cli {

void RegisterWalksFlags(FlagSet& flags, WalksFlags& f, const char* workers_help) {
  f.workers = tbb::info::default_concurrency();
  RegisterGraphInputFlags(flags, f.graph);
  flags.AddNumber("walk-length", &f.options.walk.walk_length, "nodes per walk l");
  flags.AddNumber("num-walks", &f.options.walks_per_node, "walks per node r");
  flags.AddNumber("p", &f.options.walk.p, "return parameter");
  flags.AddNumber("q", &f.options.walk.q, "in-out parameter");
  flags.AddNumber("seed", &f.options.seed, "random seed");
  flags.AddNumber("workers", &f.workers, workers_help);
  flags.AddString("walk-from", &f.walk_from,
                  "start walks only from the node ids in this file");
  flags.AddSwitch("quiet", &f.quiet, true, "no summary on stderr");
}

const OptionNames& WalksFlagNames() {
  static const OptionNames names{.p = "--p",
                                 .q = "--q",
                                 .walk_length = "--walk-length",
                                 .walks_per_node = "--num-walks",
                                 .num_threads = "--workers",
                                 .walk_from = "--walk-from",
                                 .walks_per_wave = "--walks-per-wave"};
  return names;
}

absl::Status ValidateWalksFlags(const WalksFlags& f) {
  N2V_RETURN_IF_ERROR(ValidateGraphInput(f.graph));
  if (f.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers must be >= 1, got ", f.workers));
  }
  N2V_RETURN_IF_ERROR(CheckOutputsApart(
      {{"--output", f.output}},
      {{"--input", f.graph.input}, {"--nodes", f.graph.nodes}, {"--walk-from", f.walk_from}}));
  return ValidateWalksOptions(f.options, WalksFlagNames());
}

absl::Status ReadWalkFrom(const std::string& path, std::vector<int64_t>* ids) {
  if (path.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<int64_t>> read = io::ReadNodeList(path);
  if (!read.ok()) {
    return absl::Status(read.status().code(),
                        absl::StrCat("--walk-from: ", read.status().message()));
  }
  *ids = std::move(*read);
  return absl::OkStatus();
}

}  // namespace n2v::cli
