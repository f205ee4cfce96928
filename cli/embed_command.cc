// `n2v embed`: edge list in, word2vec-format embeddings out. Flags follow
// the reference node2vec implementation (Grover & Leskovec) so its users
// switch by changing the program name.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "flags.h"
#include "n2v/alignment.h"
#include "n2v/embed.h"
#include "n2v/graph.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/io/embedding_io.h"
#include "output_file.h"
#include "progress_line.h"
#include "report.h"

namespace n2v::cli {
namespace {

struct EmbedFlags {
  std::string input;
  std::string output;
  std::string nodes;
  std::string format = "text";
  std::string isolated = "random";
  std::string init;
  std::string init_context;
  std::string context_output;
  std::string align_to;
  std::string walk_from;
  bool weighted = false;
  bool directed = false;
  bool quiet = false;
  EmbedOptions options;
  int workers = tbb::info::default_concurrency();
};

void Register(FlagSet& flags, EmbedFlags& f) {
  EmbedOptions& o = f.options;
  flags.AddString("input", &f.input, "edge list: 'u v [weight]' per line, .gz ok");
  flags.AddString("output", &f.output, "embedding file to write");
  flags.AddString("nodes", &f.nodes,
                  "optional node list (one id per line) adding isolated nodes");
  flags.AddUint32("dimensions", &o.dimensions, "embedding dimensions d");
  flags.AddUint32("walk-length", &o.walk.walk_length, "nodes per walk l");
  flags.AddUint32("num-walks", &o.walks_per_node, "walks per node r");
  flags.AddUint32("window-size", &o.window, "context size k per side");
  flags.AddUint32("iter", &o.epochs, "training epochs");
  flags.AddInt("workers", &f.workers,
               "worker threads (at most the cores available)");
  flags.AddDouble("p", &o.walk.p, "return parameter");
  flags.AddDouble("q", &o.walk.q, "in-out parameter");
  flags.AddSwitch("weighted", &f.weighted, true, "read a weight column");
  flags.AddSwitch("unweighted", &f.weighted, false, "all edges weigh 1");
  flags.AddSwitch("directed", &f.directed, true, "edges are one-way");
  flags.AddSwitch("undirected", &f.directed, false, "edges are two-way");
  flags.AddUint32("negative", &o.negatives, "negative samples per pair");
  flags.AddSwitch("batch-windows", &o.batch_windows, true,
                  "train each window as one block: ~1.3x faster training, "
                  "lower quality where walks stay local (p < 1)");
  flags.AddFloat("alpha", &o.initial_learning_rate, "initial learning rate");
  flags.AddFloat("learning-rate", &o.initial_learning_rate,
                 "same as --alpha");
  flags.AddFloat("min-alpha", &o.min_learning_rate, "final learning rate");
  flags.AddFloat("min-learning-rate", &o.min_learning_rate,
                 "same as --min-alpha");
  flags.AddDouble("sample", &o.subsample,
                  "frequent-node subsampling threshold, 0 disables");
  flags.AddUint64("seed", &o.seed, "random seed");
  flags.AddSwitch("deterministic", &o.deterministic, true,
                  "bit-identical vectors for any thread count");
  flags.AddString("isolated", &f.isolated,
                  "vectors of edgeless nodes: random (initial) or zero");
  flags.AddString("init", &f.init,
                  "warm start from this embedding file (e.g. the last run's); "
                  "new nodes start from their neighbours' mean");
  flags.AddString("init-context", &f.init_context,
                  "warm start the context vectors too, from a file written "
                  "by --context-output (much smaller drift)");
  flags.AddString("context-output", &f.context_output,
                  "also write the context (output) vectors, for a later "
                  "--init-context");
  flags.AddString("walk-from", &f.walk_from,
                  "incremental mode: start walks only from the node ids in "
                  "this file (e.g. nodes around a change); use with --init");
  flags.AddString("align-to", &f.align_to,
                  "rotate the result onto this embedding file's vectors "
                  "(orthogonal Procrustes) and report the drift");
  flags.AddString("format", &f.format, "output format: text or binary");
  flags.AddSwitch("quiet", &f.quiet, true, "no progress or summary on stderr");
}

// Range checks with the flag names users typed.
absl::Status Validate(const EmbedFlags& f) {
  const EmbedOptions& o = f.options;
  auto positive = [](std::string_view flag, double v) -> absl::Status {
    if (std::isfinite(v) && v > 0) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "--", absl::string_view(flag.data(), flag.size()),
        std::isfinite(v) ? " must be > 0, got " : " must be finite and > 0, got ",
        v));
  };
  auto at_least_one = [](std::string_view flag, int64_t v) -> absl::Status {
    if (v >= 1) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "--", absl::string_view(flag.data(), flag.size()),
        " must be >= 1, got ", v));
  };
  auto at_most = [](std::string_view flag, int64_t v,
                    int64_t limit) -> absl::Status {
    if (v <= limit) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "--", absl::string_view(flag.data(), flag.size()), " must be <= ",
        limit, ", got ", v));
  };
  if (f.input.empty()) return absl::InvalidArgumentError("--input is required");
  if (f.output.empty()) {
    return absl::InvalidArgumentError("--output is required");
  }
  for (auto s : {positive("p", o.walk.p), positive("q", o.walk.q),
                 at_least_one("dimensions", o.dimensions),
                 at_least_one("walk-length", o.walk.walk_length),
                 at_least_one("num-walks", o.walks_per_node),
                 at_least_one("window-size", o.window),
                 at_least_one("iter", o.epochs),
                 at_least_one("negative", o.negatives),
                 at_least_one("workers", f.workers),
                 positive("alpha", o.initial_learning_rate),
                 // The engine's limits (n2v::ValidateEmbedOptions), named
                 // by flag.
                 at_most("dimensions", o.dimensions, 65536),
                 at_most("window-size", o.window, 1000),
                 at_most("negative", o.negatives, 1000)}) {
    if (!s.ok()) return s;
  }
  if (!(o.min_learning_rate >= 0 &&
        o.min_learning_rate <= o.initial_learning_rate)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--min-alpha must be between 0 and --alpha (", o.initial_learning_rate,
        "), got ", o.min_learning_rate));
  }
  if (!(std::isfinite(o.subsample) && o.subsample >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::isnan(o.subsample) || o.subsample >= 0
            ? "--sample must be finite and >= 0, got "
            : "--sample must be >= 0, got ",
        o.subsample));
  }
  if (f.format != "text" && f.format != "binary") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format must be text or binary, got '", f.format, "'"));
  }
  if (f.isolated != "random" && f.isolated != "zero") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--isolated must be random or zero, got '", f.isolated, "'"));
  }
  // Anything the engine would still refuse is refused now, before the graph
  // is read, rather than after loading it.
  return ValidateEmbedOptions(o);
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

int RunEmbed(int argc, char** argv) {
  FlagSet flags("embed");
  EmbedFlags f;
  Register(flags, f);
  if (absl::Status s = flags.Parse(argc, argv, 2); !s.ok()) {
    PrintError("embed", s);
    return kExitUsage;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (absl::Status s = Validate(f); !s.ok()) {
    PrintError("embed", s);
    return kExitUsage;
  }
  // More threads than cores only makes TBB complain on stderr (and huge
  // counts crash it); deterministic output does not depend on the count.
  f.workers = std::min(f.workers, tbb::info::default_concurrency());
  f.options.num_threads = f.workers;
  if (absl::Status s = CheckOutputPath(f.output); !s.ok()) {
    PrintError("embed", s);
    return kExitFailure;
  }
  f.options.isolated_nodes = f.isolated == "zero" ? IsolatedNodePolicy::kZero
                                                  : IsolatedNodePolicy::kRandom;

  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<EdgeList> edges = io::ReadEdgeList(
      f.input, {.weighted = f.weighted, .num_threads = f.workers});
  if (!edges.ok()) {
    PrintError("embed", edges.status());
    return kExitFailure;
  }
  if (!f.nodes.empty()) {
    absl::StatusOr<std::vector<int64_t>> nodes = io::ReadNodeList(f.nodes);
    if (!nodes.ok()) {
      PrintError("embed", nodes.status());
      return kExitFailure;
    }
    edges->nodes = std::move(*nodes);
  }
  if (edges->sources.empty() && edges->nodes.empty()) {
    PrintError("embed", absl::StrCat(f.input, ": empty graph (no edges or nodes)"));
    return kExitFailure;
  }
  absl::StatusOr<CsrGraph> graph = CsrGraph::Build(
      std::move(*edges), {.directed = f.directed, .num_threads = f.workers});
  if (!graph.ok()) {
    PrintError("embed", absl::StrCat(f.input, ": ", graph.status().message()));
    return kExitFailure;
  }
  const double load_seconds = SecondsSince(started);
  const GraphStats& gs = graph->stats();
  if (!f.quiet) {
    std::fprintf(stderr,
                 "n2v: graph: %llu nodes, %llu edges (%s, %s), %llu self-loops, "
                 "%llu merged duplicates, %llu isolated; %.1f bytes/edge; "
                 "loaded in %.2f s\n",
                 static_cast<unsigned long long>(gs.num_nodes),
                 static_cast<unsigned long long>(gs.num_edges),
                 f.directed ? "directed" : "undirected",
                 f.weighted ? "weighted" : "unweighted",
                 static_cast<unsigned long long>(gs.self_loops),
                 static_cast<unsigned long long>(gs.merged_duplicates),
                 static_cast<unsigned long long>(gs.isolated_nodes),
                 gs.bytes_per_edge, load_seconds);
  }

  std::optional<Embeddings> initial, initial_context, reference;
  if (!f.init_context.empty()) {
    absl::StatusOr<Embeddings> read = io::ReadEmbeddings(f.init_context);
    if (!read.ok()) {
      PrintError("embed", absl::StrCat("--init-context: ", read.status().message()));
      return kExitFailure;
    }
    initial_context = std::move(*read);
    f.options.initial_context = &*initial_context;
  }
  f.options.keep_context = !f.context_output.empty();
  if (!f.walk_from.empty()) {
    absl::StatusOr<std::vector<int64_t>> ids = io::ReadNodeList(f.walk_from);
    if (!ids.ok()) {
      PrintError("embed", absl::StrCat("--walk-from: ", ids.status().message()));
      return kExitFailure;
    }
    f.options.walk_from = std::move(*ids);
  }
  if (!f.init.empty()) {
    absl::StatusOr<Embeddings> read = io::ReadEmbeddings(f.init);
    if (!read.ok()) {
      PrintError("embed", absl::StrCat("--init: ", read.status().message()));
      return kExitFailure;
    }
    if (read->dimensions() != f.options.dimensions) {
      PrintError("embed", absl::StrCat("--init: ", f.init, " has ",
                                       read->dimensions(), " dimensions but --dimensions is ",
                                       f.options.dimensions));
      return kExitFailure;
    }
    initial = std::move(*read);
    f.options.initial = &*initial;
  }
  if (!f.align_to.empty()) {
    absl::StatusOr<Embeddings> read = io::ReadEmbeddings(f.align_to);
    if (!read.ok()) {
      PrintError("embed", absl::StrCat("--align-to: ", read.status().message()));
      return kExitFailure;
    }
    reference = std::move(*read);
  }

  ProgressLine line(!f.quiet);
  EmbedControl control;
  if (line.enabled()) {
    control.on_progress = [&line](const EmbedProgress& p) { line.Update(p); };
  }
  absl::StatusOr<EmbedResult> result = Embed(*graph, f.options, control);
  if (!result.ok()) {
    PrintError("embed", result.status());
    return kExitFailure;
  }
  const EmbedStats& st = result->stats;
  if (reference) {
    absl::StatusOr<DriftStats> drift =
        AlignToReference(result->embeddings, *reference);
    if (!drift.ok()) {
      PrintError("embed", absl::StrCat("--align-to: ", drift.status().message()));
      return kExitFailure;
    }
    if (!f.quiet) {
      std::fprintf(stderr,
                   "n2v: aligned to %s: %llu shared nodes (%llu added, %llu "
                   "removed), drift mean %.4f, p95 %.4f, max %.4f\n",
                   f.align_to.c_str(),
                   static_cast<unsigned long long>(drift->shared_nodes),
                   static_cast<unsigned long long>(drift->added_nodes),
                   static_cast<unsigned long long>(drift->removed_nodes),
                   drift->mean, drift->p95, drift->max);
    }
  }
  const auto format = f.format == "binary" ? io::EmbeddingFormat::kBinary
                                           : io::EmbeddingFormat::kText;
  const auto write_started = std::chrono::steady_clock::now();
  if (absl::Status s = io::WriteEmbeddings(result->embeddings, f.output, format);
      !s.ok()) {
    PrintError("embed", s);
    return kExitFailure;
  }
  if (!f.context_output.empty()) {
    if (absl::Status s =
            io::WriteEmbeddings(result->context, f.context_output, format);
        !s.ok()) {
      PrintError("embed", s);
      return kExitFailure;
    }
  }
  if (!f.quiet) {
    std::fprintf(
        stderr,
        "n2v: embedded %llu nodes (d=%u) in %.2f s: counting walks %.2f s, "
        "training %.2f s (%.2fM nodes/s), loss %.4f%s\n",
        static_cast<unsigned long long>(result->embeddings.size()),
        f.options.dimensions, st.count_seconds + st.train_seconds,
        st.count_seconds, st.train_seconds,
        st.train_seconds > 0 ? st.trained_nodes / st.train_seconds / 1e6 : 0.0,
        st.loss_per_epoch.empty() ? 0.0 : st.loss_per_epoch.back(),
        f.options.deterministic ? ", deterministic" : "");
    std::fprintf(stderr, "n2v: wrote %s (%s) in %.2f s\n", f.output.c_str(),
                 f.format.c_str(), SecondsSince(write_started));
  }
  return kExitOk;
}

}  // namespace n2v::cli
