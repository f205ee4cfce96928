// ValidateEmbedOptions: the one check of a run's settings.
#include "n2v/embed_options.h"

#include "internal/option_rules.h"
#include "n2v/status_macros.h"

namespace n2v {

using internal::Between1And;
using internal::Finite;
using internal::FiniteAbove0;
using internal::FiniteAtLeast0;
using internal::OutOfRange;
using internal::Sv;

absl::Status ValidateEmbedOptions(const EmbedOptions& o,
                                  const OptionNames& names) {
  N2V_RETURN_IF_ERROR(ValidateWalkParams(o.walk, names));
  N2V_RETURN_IF_ERROR(
      Between1And(names.walks_per_node, kMaxWalksPerNode, o.walks_per_node));
  N2V_RETURN_IF_ERROR(
      Between1And(names.dimensions, kMaxDimensions, o.dimensions));
  N2V_RETURN_IF_ERROR(Between1And(names.window, kMaxWindow, o.window));
  N2V_RETURN_IF_ERROR(
      Between1And(names.negatives, kMaxNegatives, o.negatives));
  N2V_RETURN_IF_ERROR(Between1And(names.epochs, kMaxEpochs, o.epochs));
  N2V_RETURN_IF_ERROR(
      FiniteAbove0(names.initial_learning_rate, o.initial_learning_rate));
  if (!(std::isfinite(o.min_learning_rate) && o.min_learning_rate >= 0 &&
        o.min_learning_rate <= o.initial_learning_rate)) {
    return OutOfRange(
        names.min_learning_rate,
        absl::StrCat("between 0 and ", Sv(names.initial_learning_rate), " (",
                     o.initial_learning_rate, ")"),
        o.min_learning_rate);
  }
  N2V_RETURN_IF_ERROR(FiniteAtLeast0(names.subsample, o.subsample));
  N2V_RETURN_IF_ERROR(Finite(names.negative_exponent, o.negative_exponent));
  if (o.num_threads < 0) {
    return OutOfRange(names.num_threads, ">= 0", o.num_threads);
  }
  if (o.walks_per_batch == 0) {
    return OutOfRange(names.walks_per_batch, ">= 1", o.walks_per_batch);
  }
  return absl::OkStatus();
}

}  // namespace n2v
