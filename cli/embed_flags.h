// The flags of `n2v embed`: the reference node2vec's names (so its users
// switch by changing the program name) mapped onto the engine's options,
// and the spelling of each option in errors. The rules are the engine's.
#ifndef N2V_CLI_EMBED_FLAGS_H_
#define N2V_CLI_EMBED_FLAGS_H_

#include <string>

#include "absl/status/status.h"
#include "flags.h"
#include "graph_input.h"
#include "n2v/embed_options.h"
#include "n2v/option_names.h"
#include "n2v/reembed.h"

namespace n2v::cli {

struct EmbedFlags {
  GraphInput graph;
  std::string output;
  std::string format = "text";
  std::string isolated = "random";
  // Re-embedding: a previous run's vectors, its context vectors, what to
  // rotate onto, and explicit walk starts.
  std::string init;
  std::string init_context;
  std::string align_to;
  std::string walk_from;
  std::string context_output;
  bool no_align = false;
  bool quiet = false;
  EmbedOptions options;
  int workers = 0;  // set to the core count by RegisterEmbedFlags
};

void RegisterEmbedFlags(FlagSet& flags, EmbedFlags& f);

// The flag that sets each option, e.g. "--num-walks" for walks_per_node.
const OptionNames& FlagNames();

// Checks what can be checked before any file is read: the flags the CLI
// owns (input, output, format, isolated, workers) and the engine's rules on
// the options, named by flag. InvalidArgument naming the flag.
absl::Status ValidateEmbedFlags(const EmbedFlags& f);

// The re-embedding options the flags ask for: a warm start with --init,
// alignment onto --align-to (or, by the engine's default, onto --init
// unless --no-align), and whether the learning rates were given.
ReembedOptions ReembedOptionsOf(const EmbedFlags& f, const FlagSet& flags);

}  // namespace n2v::cli

#endif  // N2V_CLI_EMBED_FLAGS_H_
