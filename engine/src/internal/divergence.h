// The check that training did not diverge, shared by Embed and the
// distributed trainer.
#ifndef N2V_INTERNAL_DIVERGENCE_H_
#define N2V_INTERNAL_DIVERGENCE_H_

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "n2v/embed_options.h"
#include "n2v/embeddings.h"

namespace n2v::internal {

inline bool AllFinite(const Embeddings& embeddings) {
  for (size_t r = 0; r < embeddings.size(); ++r) {
    for (float v : embeddings.row(r)) {
      if (!std::isfinite(v)) return false;
    }
  }
  return true;
}

// The error of a run whose vectors diverged.
inline absl::Status DivergedError(const EmbedOptions& options) {
  return absl::InvalidArgumentError(absl::StrCat(
      "training diverged: the vectors contain NaN or infinite values; "
      "lower the initial learning rate (now ",
      options.initial_learning_rate, ")"));
}

// InvalidArgument when a vector holds NaN or an infinity.
inline absl::Status CheckNotDiverged(const Embeddings& embeddings,
                                     const EmbedOptions& options) {
  if (AllFinite(embeddings)) return absl::OkStatus();
  return DivergedError(options);
}


}  // namespace n2v::internal

#endif  // N2V_INTERNAL_DIVERGENCE_H_
