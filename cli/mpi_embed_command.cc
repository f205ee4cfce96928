// `n2v-mpi embed`: `n2v embed` for a graph split across the ranks of an MPI
// job, the graph and the model partitioned (n2v/distributed/). The flags
// are n2v embed's, plus how the work is split: rank
// 0 writes one embedding file (ascending id, as n2v embed writes it), or
// with --output-parts each rank writes its own nodes' vectors. A warm start
// (--init, --init-context, --align-to) reads each rank's share of the
// previous vectors (previous_shares.h), and re-embeds by the engine's rules
// (ReembedDistributed).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "embed_flags.h"
#include "flags.h"
#include "mpi_commands.h"
#include "mpi_report.h"
#include "n2v/byte_size.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/distributed_reembed.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/io/embedding_io.h"
#include "n2v/status_macros.h"
#include "output_file.h"
#include "previous_shares.h"
#include "rank_output.h"
#include "reembed_report.h"
#include "walks_flags.h"

namespace n2v::cli {
namespace {

using distributed::Communicator;

struct MpiEmbedFlags {
  EmbedFlags embed;
  bool output_parts = false;
  uint64_t walks_per_wave = kDefaultWalksPerWave;
  std::string memory_per_rank;  // a byte size; empty: no limit
  uint64_t memory_per_rank_bytes = 0;
};

// Rows per piece of the merged output file on rank 0. A piece is held
// about five times on rank 0 (received, merged, formatted as text), so
// 8192 rows at d = 128 cost about 40 MiB there.
constexpr uint64_t kRowsPerOutputPiece = 1 << 13;

void RegisterFlags(FlagSet& flags, MpiEmbedFlags& f) {
  RegisterEmbedFlags(flags, f.embed);
  flags.AddSwitch("output-parts", &f.output_parts, true,
                  "each rank writes its own nodes' vectors to --output with "
                  "'{rank}' replaced");
  flags.AddNumber("walks-per-wave", &f.walks_per_wave,
                  "walks in flight at once per rank (bounds memory)");
  flags.AddString("memory-per-rank", &f.memory_per_rank,
                  "most a rank may use for its graph and model parts (e.g. 6GiB); "
                  "a plan that needs more is refused before training");
}

absl::Status Validate(MpiEmbedFlags& f) {
  N2V_RETURN_IF_ERROR(ValidateEmbedFlags(f.embed));
  N2V_RETURN_IF_ERROR(CheckOutputParts(
      f.output_parts,
      {{"--output", f.embed.output}, {"--context-output", f.embed.context_output}}));
  N2V_RETURN_IF_ERROR(ValidateWalksPerWave(f.walks_per_wave, FlagNames()));
  if (!f.memory_per_rank.empty()) {
    absl::StatusOr<uint64_t> bytes = ParseByteSize(f.memory_per_rank);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--memory-per-rank: ", bytes.status().message()));
    }
    f.memory_per_rank_bytes = *bytes;
  }
  return absl::OkStatus();
}

// "1.25 GiB", or "3.4 MiB" below a GiB.
std::string ReadableBytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return absl::StrFormat("%.2f GiB", bytes / 1073741824.0);
  return absl::StrFormat("%.1f MiB", bytes / 1048576.0);
}

// Refuses a plan whose largest rank would need more than --memory-per-rank.
absl::Status AdmitPlan(const Communicator& comm,
                       const distributed::PartitionedGraph& graph,
                       const MpiEmbedFlags& f, const ReembedOptions& reembed) {
  std::vector<uint64_t> largest = {graph.owned().size()};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(largest)));
  std::vector<uint64_t> need = {DistributedRankBytes(
      graph.stats().memory_bytes, graph.owned().size(), largest[0], graph.stats().stub_nodes,
      f.embed.options, reembed, f.embed.init.empty() ? 0 : 1,
      static_cast<uint32_t>(comm.size()), f.walks_per_wave)};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(need)));
  if (f.memory_per_rank_bytes > 0 && need[0] > f.memory_per_rank_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the largest rank needs %s for its graph and model parts and a wave's "
        "walks, more than --memory-per-rank %s: run on more ranks, or lower "
        "--dimensions or --walks-per-wave",
        ReadableBytes(need[0]), f.memory_per_rank));
  }
  return absl::OkStatus();
}

// Writes every rank's rows to `path`: merged by rank 0, or one part per
// rank with --output-parts.
absl::Status WriteVectors(const Communicator& comm, const MpiEmbedFlags& f,
                          const std::string& path, const Embeddings& mine,
                          uint64_t total_rows) {
  const auto format = f.embed.format == "binary" ? io::EmbeddingFormat::kBinary
                                                 : io::EmbeddingFormat::kText;
  const bool writes = f.output_parts || comm.rank() == 0;
  RankOutput output;
  absl::Status status = absl::OkStatus();
  if (writes) status = output.Open(PathOfRank(path, comm.rank()));
  // Rows are formatted and written a piece at a time, never all at once.
  std::string text;
  auto write_rows = [&](const Embeddings& rows, size_t begin, size_t end) {
    text.clear();
    io::AppendEmbeddingRows(rows, begin, end, format, text);
    return output.Write(text);
  };
  if (f.output_parts) {
    if (status.ok()) {
      status = output.Write(io::EmbeddingHeader(mine.size(), mine.dimensions()));
    }
    for (size_t begin = 0; status.ok() && begin < mine.size();
         begin += kRowsPerOutputPiece) {
      status = write_rows(mine, begin,
                          std::min<size_t>(mine.size(), begin + kRowsPerOutputPiece));
    }
    N2V_RETURN_IF_ERROR(output.Finish(comm, status));
    if (comm.rank() == 0) RemoveLaterParts(path, comm.size());
    return absl::OkStatus();
  }
  if (writes && status.ok()) {
    status = output.Write(io::EmbeddingHeader(total_rows, mine.dimensions()));
  }
  absl::Status gathered = distributed::GatherRows(
      comm, mine, kRowsPerOutputPiece, 0, [&](const Embeddings& piece) {
        if (!status.ok()) return status;
        return write_rows(piece, 0, piece.size());
      });
  if (status.ok()) status = gathered;
  return output.Finish(comm, status);
}

void PrintSummary(const Communicator& comm, const distributed::PartitionedGraph& graph,
                  const distributed::DistributedEmbedStats& s, const MpiEmbedFlags& f,
                  double load_seconds, double total_seconds) {
  std::vector<uint64_t> sums = {s.walks.steps,       s.walks.migrations,
                                s.walks.arc_queries, s.bytes_sent,
                                s.share_bytes_sent,  s.ring_bytes_sent};
  if (!comm.SumAll(std::span<uint64_t>(sums)).ok() || comm.rank() != 0 ||
      f.embed.quiet) {
    return;
  }
  const auto& g = graph.stats();
  std::fprintf(stderr,
               "n2v-mpi: graph %llu nodes, %llu edges on %d ranks, loaded in %.2f s; "
               "largest rank: graph %.1f MiB, model %.1f MiB, waves %.1f MiB\n",
               static_cast<unsigned long long>(g.num_nodes),
               static_cast<unsigned long long>(g.num_edges), comm.size(),
               load_seconds, g.max_memory_bytes / 1048576.0,
               s.max_model_bytes / 1048576.0, s.wave_bytes / 1048576.0);
  std::string losses;
  for (double l : s.loss_per_epoch) {
    absl::StrAppend(&losses, losses.empty() ? "" : " ", absl::SixDigits(l));
  }
  std::fprintf(stderr,
               "n2v-mpi: counted in %.2f s, trained in %.2f s (rank 0: walks %.2f s, "
               "sharing %.2f s, preparing %.2f s, updates %.2f s, ring %.2f s); %llu "
               "pairs, loss per epoch %s; %.2f s in all\n",
               s.count_seconds, s.train_seconds,
               s.train_seconds - s.share_seconds - s.prepare_seconds -
                   s.update_seconds - s.ring_seconds,
               s.share_seconds, s.prepare_seconds, s.update_seconds, s.ring_seconds,
               static_cast<unsigned long long>(s.trained_pairs), losses.c_str(),
               total_seconds);
  const uint64_t walk_bytes = sums[3] - sums[4] - sums[5];
  std::fprintf(stderr,
               "n2v-mpi: sent %.1f MiB: walks %.1f MiB (%llu steps in training, %llu "
               "migrations, %llu remote arc tests), sharing walks %.1f MiB, context "
               "blocks %.1f MiB (%.2f bytes per trained pair)\n",
               sums[3] / 1048576.0, walk_bytes / 1048576.0,
               static_cast<unsigned long long>(sums[0]),
               static_cast<unsigned long long>(sums[1]),
               static_cast<unsigned long long>(sums[2]), sums[4] / 1048576.0,
               sums[5] / 1048576.0,
               s.trained_pairs == 0 ? 0.0
                                    : static_cast<double>(sums[4] + sums[5]) / s.trained_pairs);
}

// The files that write on this rank: its parts, or on rank 0 the merged
// files. Collective.
absl::Status CheckOutputPaths(const Communicator& comm, const MpiEmbedFlags& f) {
  absl::Status status = absl::OkStatus();
  if (comm.rank() == 0 || f.output_parts) {
    for (const std::string* path : {&f.embed.output, &f.embed.context_output}) {
      if (status.ok() && !path->empty()) {
        status = CheckOutputPath(PathOfRank(*path, comm.rank()));
      }
    }
  }
  return distributed::AgreeOnStatus(comm, status, "checking the output files");
}

// Rank 0's lines about the warm start and the alignment.
void PrintReembedReport(const Communicator& comm, const MpiEmbedFlags& f,
                        const distributed::DistributedReembedResult& result,
                        const EmbedOptions& resolved) {
  if (comm.rank() != 0 || f.embed.quiet) return;
  const auto& stats = result.embed.stats;
  if (result.report.warm_started) {
    PrintWarmStart("n2v-mpi", f.embed.init, stats.warm_started_nodes,
                   stats.neighbour_started_nodes, resolved);
  }
  PrintDrift("n2v-mpi", f.embed.align_to.empty() ? f.embed.init : f.embed.align_to,
             result.report);
}

absl::Status Run(const Communicator& comm, MpiEmbedFlags& f, const FlagSet& flags) {
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
        .count();
  };
  EmbedOptions& o = f.embed.options;
  f.embed.workers = std::min(f.embed.workers, tbb::info::default_concurrency());
  o.num_threads = f.embed.workers;
  o.isolated_nodes = f.embed.isolated == "zero" ? IsolatedNodePolicy::kZero
                                                : IsolatedNodePolicy::kRandom;
  o.keep_context = !f.embed.context_output.empty();
  N2V_RETURN_IF_ERROR(CheckOutputPaths(comm, f));
  N2V_RETURN_IF_ERROR(
      distributed::AgreeOnStatus(comm, ReadWalkFrom(f.embed.walk_from, &o.walk_from),
                                 "reading --walk-from"));
  const GraphInput& in = f.embed.graph;
  N2V_ASSIGN_OR_RETURN(
      distributed::PartitionedGraph graph,
      distributed::PartitionedGraph::Load(
          comm,
          {.edges = in.input, .nodes = in.nodes, .weighted = in.weighted,
           .directed = in.directed},
          f.embed.workers));
  const double load_seconds = seconds();
  const ReembedOptions reembed = ReembedOptionsOf(f.embed, flags);
  N2V_RETURN_IF_ERROR(AdmitPlan(comm, graph, f, reembed));
  N2V_ASSIGN_OR_RETURN(const distributed::HeldPrevious previous,
                       ReadPreviousShares(comm, f.embed));
  N2V_ASSIGN_OR_RETURN(
      distributed::DistributedReembedResult result,
      distributed::ReembedDistributed(
          comm, graph, {.embed = o, .walks_per_wave = f.walks_per_wave, .control = {}},
          reembed, previous.pointers(), FlagNames()));
  PrintReembedReport(comm, f, result,
                     ResolveReembedOptions(o, reembed, {}, {.vectors = true}));
  const uint64_t nodes = graph.stats().num_nodes;
  N2V_RETURN_IF_ERROR(
      WriteVectors(comm, f, f.embed.output, result.embed.embeddings, nodes));
  if (!f.embed.context_output.empty()) {
    N2V_RETURN_IF_ERROR(WriteVectors(comm, f, f.embed.context_output,
                                     result.embed.context, nodes));
  }
  PrintSummary(comm, graph, result.embed.stats, f, load_seconds, seconds());
  return absl::OkStatus();
}

}  // namespace

int RunMpiEmbed(const Communicator& comm, int argc, char** argv) {
  FlagSet flags("embed", "mpirun -np N n2v-mpi");
  MpiEmbedFlags f;
  RegisterFlags(flags, f);
  absl::Status s = flags.Parse(argc, argv, 2);
  if (s.ok() && flags.help_requested()) {
    if (comm.rank() == 0) std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (s.ok()) s = Validate(f);
  if (!s.ok()) return FinishCommand(comm, "embed", s, kExitUsage);
  return FinishCommand(comm, "embed", Run(comm, f, flags), kExitFailure);
}

}  // namespace n2v::cli
