// OptionNames: how a caller spells each engine option, so that the
// engine's one set of rules can report errors in the caller's words.
#ifndef N2V_OPTION_NAMES_H_
#define N2V_OPTION_NAMES_H_

#include <string_view>

namespace n2v {

// How a caller spells each option, for error messages. The defaults are the
// engine's field names; the CLI passes its flags, the sidecar its proto
// fields. A rule that mentions another field ("between 0 and
// initial_learning_rate") uses that field's name too.
struct OptionNames {
  std::string_view p = "p";
  std::string_view q = "q";
  std::string_view walk_length = "walk_length";
  std::string_view walks_per_node = "walks_per_node";
  std::string_view dimensions = "dimensions";
  std::string_view window = "window";
  std::string_view negatives = "negatives";
  std::string_view epochs = "epochs";
  std::string_view initial_learning_rate = "initial_learning_rate";
  std::string_view min_learning_rate = "min_learning_rate";
  std::string_view subsample = "subsample";
  std::string_view negative_exponent = "negative_exponent";
  std::string_view num_threads = "num_threads";
  std::string_view walks_per_batch = "walks_per_batch";
  std::string_view walk_from = "walk_from";
  // Distributed runs (n2v/distributed/).
  std::string_view walks_per_wave = "walks_per_wave";
  // Re-embedding (reembed.h).
  std::string_view warm_start = "warm_start";
  std::string_view align = "align";
  std::string_view incremental = "incremental";
  std::string_view max_changed_fraction = "max_changed_fraction";
  // What the previous run's vectors are called.
  std::string_view previous_vectors = "the previous vectors";
};

}  // namespace n2v

#endif  // N2V_OPTION_NAMES_H_
