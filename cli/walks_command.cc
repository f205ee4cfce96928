// `n2v walks`: the node2vec walks of a graph as text, one walk per line,
// node ids separated by spaces, in the canonical order of n2v/walks.h
// (round by round, start nodes in ascending id) — the same lines whatever
// the thread count, and the same as `mpirun -np N n2v-mpi walks`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "flags.h"
#include "graph_input.h"
#include "n2v/status_macros.h"
#include "n2v/walks.h"
#include "output_file.h"
#include "output_sink.h"
#include "report.h"
#include "walks_flags.h"
#include "walks_output.h"

namespace n2v::cli {
namespace {

void RegisterFlags(FlagSet& flags, WalksFlags& f) {
  RegisterWalksFlags(flags, f, "worker threads (at most the cores available)");
  flags.AddString("output", &f.output, "walks file to write; stdout when empty");
}

// Writes the walks to the output (a file or standard output) as they are
// generated.
absl::Status WriteWalks(const CsrGraph& graph, const WalksFlags& f,
                        uint64_t* walks) {
  OutputSink output;
  N2V_RETURN_IF_ERROR(output.Open(f.output));
  std::string text;
  N2V_RETURN_IF_ERROR(GenerateWalks(
      graph, f.options,
      [&](const WalkBlock& block) {
        *walks += block.lengths.size();
        text.clear();
        AppendWalkLines(block, text);
        return output.Write(text);
      },
      {}, WalksFlagNames()));
  return output.Commit();
}

absl::Status Run(WalksFlags& f) {
  if (!f.output.empty()) N2V_RETURN_IF_ERROR(CheckOutputPath(f.output));
  const auto started = std::chrono::steady_clock::now();
  f.workers = std::min(f.workers, tbb::info::default_concurrency());
  f.options.num_threads = f.workers;
  N2V_ASSIGN_OR_RETURN(CsrGraph graph, LoadGraph(f.graph, f.workers));
  N2V_RETURN_IF_ERROR(ReadWalkFrom(f.walk_from, &f.options.walk_from));
  uint64_t walks = 0;
  N2V_RETURN_IF_ERROR(WriteWalks(graph, f, &walks));
  if (!f.quiet) {
    std::fprintf(stderr, "n2v: %llu walks of up to %u nodes in %.2f s\n",
                 static_cast<unsigned long long>(walks), f.options.walk.walk_length,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                               started)
                     .count());
  }
  return absl::OkStatus();
}

}  // namespace

int RunWalks(int argc, char** argv) {
  FlagSet flags("walks");
  WalksFlags f;
  RegisterFlags(flags, f);
  absl::Status s = flags.Parse(argc, argv, 2);
  if (s.ok() && flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (s.ok()) s = ValidateWalksFlags(f);
  if (!s.ok()) {
    PrintError("walks", s);
    return kExitUsage;
  }
  if (s = Run(f); !s.ok()) {
    PrintError("walks", s);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace n2v::cli
