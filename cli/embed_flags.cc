// `n2v embed` flags: registration, names, and the CLI's own checks.
#include "embed_flags.h"

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "n2v/status_macros.h"
#include "output_file.h"

namespace n2v::cli {

void RegisterEmbedFlags(FlagSet& flags, EmbedFlags& f) {
  EmbedOptions& o = f.options;
  f.workers = tbb::info::default_concurrency();
  RegisterGraphInputFlags(flags, f.graph);
  flags.AddString("output", &f.output, "embedding file to write");
  flags.AddNumber("dimensions", &o.dimensions, "embedding dimensions d");
  flags.AddNumber("walk-length", &o.walk.walk_length, "nodes per walk l");
  flags.AddNumber("num-walks", &o.walks_per_node, "walks per node r");
  flags.AddNumber("window-size", &o.window, "context size k per side");
  flags.AddNumber("iter", &o.epochs, "training epochs");
  flags.AddNumber("workers", &f.workers,
                  "worker threads (at most the cores available)");
  flags.AddNumber("p", &o.walk.p, "return parameter");
  flags.AddNumber("q", &o.walk.q, "in-out parameter");
  flags.AddNumber("negative", &o.negatives, "negative samples per pair");
  flags.AddSwitch("batch-windows", &o.batch_windows, true,
                  "train each window as one block: ~1.3x faster training, "
                  "lower quality where walks stay local (p < 1)");
  flags.AddNumber("alpha", &o.initial_learning_rate,
                  "initial learning rate (a warm start's default is 0.001)");
  flags.AddNumber("learning-rate", &o.initial_learning_rate, "same as --alpha");
  flags.AddNumber("min-alpha", &o.min_learning_rate, "final learning rate");
  flags.AddNumber("min-learning-rate", &o.min_learning_rate,
                  "same as --min-alpha");
  flags.AddNumber("sample", &o.subsample,
                  "frequent-node subsampling threshold, 0 disables");
  flags.AddNumber("seed", &o.seed, "random seed");
  flags.AddSwitch("deterministic", &o.deterministic, true,
                  "bit-identical vectors for any thread count");
  flags.AddString("isolated", &f.isolated,
                  "vectors of edgeless nodes: random (initial) or zero");
  flags.AddString("init", &f.init,
                  "warm start from this embedding file (e.g. the last run's), "
                  "at a small learning rate; new nodes start from their "
                  "neighbours' mean; the result is aligned to it");
  flags.AddString("init-context", &f.init_context,
                  "warm start the context vectors too, from a file written "
                  "by --context-output (much smaller drift)");
  flags.AddString("context-output", &f.context_output,
                  "also write the context (output) vectors, for a later "
                  "--init-context");
  flags.AddString("walk-from", &f.walk_from,
                  "start walks only from the node ids in this file (e.g. "
                  "nodes around a change); use with --init");
  flags.AddString("align-to", &f.align_to,
                  "rotate the result onto this embedding file's vectors "
                  "(orthogonal Procrustes) and report the drift; default: "
                  "the --init file");
  flags.AddSwitch("no-align", &f.no_align, true,
                  "do not rotate the result onto --init");
  flags.AddString("format", &f.format, "output format: text or binary");
  flags.AddSwitch("quiet", &f.quiet, true, "no progress or summary on stderr");
}

const OptionNames& FlagNames() {
  static const OptionNames names{
      .p = "--p",
      .q = "--q",
      .walk_length = "--walk-length",
      .walks_per_node = "--num-walks",
      .dimensions = "--dimensions",
      .window = "--window-size",
      .negatives = "--negative",
      .epochs = "--iter",
      .initial_learning_rate = "--alpha",
      .min_learning_rate = "--min-alpha",
      .subsample = "--sample",
      .num_threads = "--workers",
      .walk_from = "--walk-from",
      .walks_per_wave = "--walks-per-wave",
      .warm_start = "--init",
      .align = "--align-to",
      .previous_vectors = "its vectors",
  };
  return names;
}

absl::Status ValidateEmbedFlags(const EmbedFlags& f) {
  if (absl::Status s = ValidateGraphInput(f.graph); !s.ok()) return s;
  if (f.output.empty()) {
    return absl::InvalidArgumentError("--output is required");
  }
  if (f.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers must be >= 1, got ", f.workers));
  }
  if (f.format != "text" && f.format != "binary") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format must be text or binary, got '", f.format, "'"));
  }
  if (f.isolated != "random" && f.isolated != "zero") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--isolated must be random or zero, got '", f.isolated, "'"));
  }
  if (f.no_align && !f.align_to.empty()) {
    return absl::InvalidArgumentError("--no-align contradicts --align-to");
  }
  N2V_RETURN_IF_ERROR(CheckOutputsApart(
      {{"--output", f.output}, {"--context-output", f.context_output}},
      {{"--input", f.graph.input}, {"--nodes", f.graph.nodes}, {"--walk-from", f.walk_from}}));
  // Refused now, before the graph is read, rather than after loading it.
  return ValidateEmbedOptions(f.options, FlagNames());
}

ReembedOptions ReembedOptionsOf(const EmbedFlags& f, const FlagSet& flags) {
  ReembedOptions r;
  r.warm_start = !f.init.empty();
  if (f.no_align) {
    r.align = false;
  } else if (!f.align_to.empty()) {
    r.align = true;
  }
  r.learning_rate_chosen = flags.WasSet("alpha") || flags.WasSet("learning-rate");
  r.min_learning_rate_chosen =
      flags.WasSet("min-alpha") || flags.WasSet("min-learning-rate");
  return r;
}

}  // namespace n2v::cli
