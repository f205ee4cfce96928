// `n2v-mpi walks`: `n2v walks` on a graph split across the ranks of an MPI
// job. The output is the same lines as `n2v walks` with the same flags, at
// any rank and thread count: rank 0 writes them all, or with
// --output-parts each rank writes the walks its own nodes start.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "flags.h"
#include "graph_input.h"
#include "mpi_commands.h"
#include "mpi_report.h"
#include "n2v/distributed/distributed_walks.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/status_macros.h"
#include "rank_output.h"
#include "walks_flags.h"
#include "walks_output.h"

namespace n2v::cli {
namespace {

using distributed::Communicator;

struct MpiWalksFlags {
  WalksFlags walks;  // --output empty: rank 0's standard output
  bool output_parts = false;
  uint64_t walks_per_wave = 1 << 16;
};

void RegisterFlags(FlagSet& flags, MpiWalksFlags& f) {
  RegisterWalksFlags(flags, f.walks, "worker threads per rank");
  flags.AddString("output", &f.walks.output,
                  "walks file rank 0 writes (stdout when empty); with "
                  "--output-parts, each rank's file, '{rank}' in the name");
  flags.AddSwitch("output-parts", &f.output_parts, true,
                  "each rank writes the walks its own nodes start");
  flags.AddNumber("walks-per-wave", &f.walks_per_wave,
                  "walks in flight at once per rank (bounds memory)");
}

absl::Status Validate(const MpiWalksFlags& f) {
  N2V_RETURN_IF_ERROR(ValidateWalksFlags(f.walks));
  // Standard output is one stream, which rank 0 writes whole.
  const std::string output = f.walks.output.empty() ? "<stdout>" : f.walks.output;
  N2V_RETURN_IF_ERROR(CheckOutputParts(f.output_parts, {{"--output", output}}));
  return ValidateWalksPerWave(f.walks_per_wave, WalksFlagNames());
}

// Generates the walks and writes them where the flags say.
absl::Status WriteWalks(const Communicator& comm,
                        const distributed::PartitionedGraph& graph,
                        const MpiWalksFlags& f,
                        distributed::DistributedWalkStats* stats) {
  const bool writes = f.output_parts || comm.rank() == 0;
  RankOutput output;
  absl::Status status = absl::OkStatus();
  if (writes) status = output.Open(PathOfRank(f.walks.output, comm.rank()));
  std::vector<uint64_t> open_failed = {status.ok() ? 0u : 1u};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(open_failed)));
  if (open_failed[0] != 0) {
    return output.Finish(comm, status.ok() ? absl::AbortedError("another rank failed")
                                           : status);
  }
  std::string text;
  status = distributed::GenerateDistributedWalks(
      comm, graph, f.walks.options, f.walks_per_wave,
      [&](const WalkBlock& block) -> absl::Status {
        text.clear();
        if (f.output_parts) {
          AppendWalkLines(block, text);
        } else {
          N2V_ASSIGN_OR_RETURN(WalkBlock merged,
                               distributed::GatherWave(comm, block, 0));
          AppendWalkLines(merged, text);
        }
        // A failed write is reported at the end, so every rank keeps to
        // the same collective calls.
        if (writes && status.ok()) status = output.Write(text);
        return absl::OkStatus();
      },
      stats, WalksFlagNames());
  N2V_RETURN_IF_ERROR(output.Finish(comm, status));
  if (f.output_parts && comm.rank() == 0) RemoveLaterParts(f.walks.output, comm.size());
  return absl::OkStatus();
}

void PrintSummary(const Communicator& comm,
                  const distributed::PartitionedGraph& graph,
                  distributed::DistributedWalkStats s, const MpiWalksFlags& f,
                  double seconds) {
  std::vector<uint64_t> totals = {s.walks, s.steps, s.migrations, s.arc_queries,
                                  s.bytes_sent};
  if (!comm.SumAll(std::span<uint64_t>(totals)).ok() || comm.rank() != 0 ||
      f.walks.quiet) {
    return;
  }
  const auto& g = graph.stats();
  std::fprintf(stderr,
               "n2v-mpi: %llu walks of up to %u nodes on %d ranks in %.2f s; "
               "graph %llu nodes, %llu edges, largest rank %.1f MiB; %llu steps, "
               "%llu migrations, %llu remote arc tests, %llu rounds, %.1f bytes "
               "sent per step\n",
               static_cast<unsigned long long>(totals[0]), f.walks.options.walk.walk_length,
               comm.size(), seconds, static_cast<unsigned long long>(g.num_nodes),
               static_cast<unsigned long long>(g.num_edges),
               g.max_memory_bytes / 1048576.0, static_cast<unsigned long long>(totals[1]),
               static_cast<unsigned long long>(totals[2]),
               static_cast<unsigned long long>(totals[3]),
               static_cast<unsigned long long>(s.rounds),
               totals[1] == 0 ? 0.0 : static_cast<double>(totals[4]) / totals[1]);
}

absl::Status Run(const Communicator& comm, MpiWalksFlags& f) {
  const auto started = std::chrono::steady_clock::now();
  WalksFlags& w = f.walks;
  w.workers = std::min(w.workers, tbb::info::default_concurrency());
  w.options.num_threads = w.workers;
  N2V_RETURN_IF_ERROR(distributed::AgreeOnStatus(
      comm, ReadWalkFrom(w.walk_from, &w.options.walk_from), "reading --walk-from"));
  N2V_ASSIGN_OR_RETURN(
      distributed::PartitionedGraph graph,
      distributed::PartitionedGraph::Load(
          comm,
          {.edges = w.graph.input, .nodes = w.graph.nodes,
           .weighted = w.graph.weighted, .directed = w.graph.directed},
          w.workers));
  distributed::DistributedWalkStats stats;
  N2V_RETURN_IF_ERROR(WriteWalks(comm, graph, f, &stats));
  PrintSummary(comm, graph, stats, f,
               std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             started)
                   .count());
  return absl::OkStatus();
}

}  // namespace

int RunMpiWalks(const Communicator& comm, int argc, char** argv) {
  FlagSet flags("walks", "mpirun -np N n2v-mpi");
  MpiWalksFlags f;
  RegisterFlags(flags, f);
  absl::Status s = flags.Parse(argc, argv, 2);
  if (s.ok() && flags.help_requested()) {
    if (comm.rank() == 0) std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (s.ok()) s = Validate(f);
  if (!s.ok()) return FinishCommand(comm, "walks", s, kExitUsage);
  return FinishCommand(comm, "walks", Run(comm, f), kExitFailure);
}

}  // namespace n2v::cli
