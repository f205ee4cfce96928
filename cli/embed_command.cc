// `n2v embed`: edge list in, word2vec-format embeddings out, as one
// re-embedding (n2v/reembed.h): an ordinary embedding unless --init or
// --align-to name a previous run's vectors.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "embed_flags.h"
#include "flags.h"
#include "n2v/graph.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/io/embedding_io.h"
#include "n2v/reembed.h"
#include "n2v/status_macros.h"
#include "output_file.h"
#include "progress_line.h"
#include "reembed_report.h"
#include "report.h"
#include "walks_flags.h"

namespace n2v::cli {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The files of a previous run, read.
struct PreviousFiles {
  std::optional<Embeddings> vectors, context, align_to;
};

// Reads an embedding file named by `flag`; errors start with the flag.
absl::Status ReadInto(absl::string_view flag, const std::string& path,
                      std::optional<Embeddings>& out) {
  if (path.empty()) return absl::OkStatus();
  absl::StatusOr<Embeddings> read = io::ReadEmbeddings(path);
  if (!read.ok()) {
    return absl::Status(read.status().code(),
                        absl::StrCat(flag, ": ", read.status().message()));
  }
  out = std::move(*read);
  return absl::OkStatus();
}

absl::StatusOr<PreviousFiles> ReadPrevious(EmbedFlags& f) {
  PreviousFiles previous;
  N2V_RETURN_IF_ERROR(ReadInto("--init", f.init, previous.vectors));
  N2V_RETURN_IF_ERROR(ReadInto("--init-context", f.init_context, previous.context));
  N2V_RETURN_IF_ERROR(ReadInto("--align-to", f.align_to, previous.align_to));
  N2V_RETURN_IF_ERROR(ReadWalkFrom(f.walk_from, &f.options.walk_from));
  return previous;
}

PreviousEmbedding AsPrevious(const PreviousFiles& files) {
  auto pointer = [](const std::optional<Embeddings>& e) {
    return e ? &*e : nullptr;
  };
  return {.vectors = pointer(files.vectors),
          .context = pointer(files.context),
          .align_to = pointer(files.align_to)};
}

absl::Status WriteOutputs(const EmbedFlags& f, const EmbedResult& result) {
  const auto format = f.format == "binary" ? io::EmbeddingFormat::kBinary
                                           : io::EmbeddingFormat::kText;
  N2V_RETURN_IF_ERROR(io::WriteEmbeddings(result.embeddings, f.output, format));
  if (f.context_output.empty()) return absl::OkStatus();
  return io::WriteEmbeddings(result.context, f.context_output, format);
}

void PrintRunSummary(const EmbedFlags& f, const ReembedResult& result,
                     double write_seconds) {
  const EmbedStats& st = result.embed.stats;
  std::fprintf(
      stderr,
      "n2v: embedded %llu nodes (d=%u) in %.2f s: counting walks %.2f s, "
      "training %.2f s (%.2fM nodes/s), loss %.4f%s\n",
      static_cast<unsigned long long>(result.embed.embeddings.size()),
      f.options.dimensions, st.count_seconds + st.train_seconds,
      st.count_seconds, st.train_seconds,
      st.train_seconds > 0 ? st.trained_nodes / st.train_seconds / 1e6 : 0.0,
      st.loss_per_epoch.empty() ? 0.0 : st.loss_per_epoch.back(),
      f.options.deterministic ? ", deterministic" : "");
  std::fprintf(stderr, "n2v: wrote %s (%s) in %.2f s\n", f.output.c_str(),
               f.format.c_str(), write_seconds);
}

// Parses and checks the flags; nullopt with the exit code set when the
// command ends here (help, or a usage error already printed).
std::optional<EmbedFlags> ParseFlags(FlagSet& flags, int argc, char** argv,
                                     int* exit_code) {
  EmbedFlags f;
  RegisterEmbedFlags(flags, f);
  absl::Status s = flags.Parse(argc, argv, 2);
  if (s.ok() && flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    *exit_code = kExitOk;
    return std::nullopt;
  }
  if (s.ok()) s = ValidateEmbedFlags(f);
  if (!s.ok()) {
    PrintError("embed", s);
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  // More threads than cores only makes TBB complain on stderr (and huge
  // counts crash it); deterministic output does not depend on the count.
  f.workers = std::min(f.workers, tbb::info::default_concurrency());
  f.options.num_threads = f.workers;
  f.options.keep_context = !f.context_output.empty();
  f.options.isolated_nodes = f.isolated == "zero" ? IsolatedNodePolicy::kZero
                                                  : IsolatedNodePolicy::kRandom;
  return f;
}

// Everything after the flags: load, re-embed, write, report.
absl::Status Run(EmbedFlags& f, const FlagSet& flags) {
  N2V_RETURN_IF_ERROR(CheckOutputPath(f.output));
  if (!f.context_output.empty()) {
    N2V_RETURN_IF_ERROR(CheckOutputPath(f.context_output));
  }
  const auto started = Clock::now();
  N2V_ASSIGN_OR_RETURN(CsrGraph graph, LoadGraph(f.graph, f.workers));
  if (!f.quiet) PrintGraphSummary(f.graph, graph.stats(), SecondsSince(started));
  N2V_ASSIGN_OR_RETURN(PreviousFiles files, ReadPrevious(f));
  ProgressLine line(!f.quiet);
  EmbedControl control;
  if (line.enabled()) {
    control.on_progress = [&line](const EmbedProgress& p) { line.Update(p); };
  }
  const ReembedOptions reembed = ReembedOptionsOf(f, flags);
  const PreviousEmbedding previous = AsPrevious(files);
  N2V_ASSIGN_OR_RETURN(ReembedResult result,
                       Reembed(graph, f.options, reembed, previous, control,
                               FlagNames()));
  if (!f.quiet) {
    if (result.report.warm_started) {
      PrintWarmStart("n2v", f.init, result.embed.stats.warm_started_nodes,
                     result.embed.stats.neighbour_started_nodes,
                     ResolveReembedOptions(f.options, reembed, previous));
    }
    PrintDrift("n2v", f.align_to.empty() ? f.init : f.align_to, result.report);
  }
  const auto write_started = Clock::now();
  N2V_RETURN_IF_ERROR(WriteOutputs(f, result.embed));
  if (!f.quiet) PrintRunSummary(f, result, SecondsSince(write_started));
  return absl::OkStatus();
}

}  // namespace

int RunEmbed(int argc, char** argv) {
  FlagSet flags("embed");
  int exit_code = kExitOk;
  std::optional<EmbedFlags> f = ParseFlags(flags, argc, argv, &exit_code);
  if (!f) return exit_code;
  if (absl::Status s = Run(*f, flags); !s.ok()) {
    PrintError("embed", s);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace n2v::cli
