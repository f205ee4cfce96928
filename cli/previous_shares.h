// A rank's share of a previous run's vectors for `n2v-mpi embed`'s warm
// starts (--init, --init-context, --align-to): the rows of the nodes it
// owns, from one file that every rank reads through a window, or from the
// parts an earlier `--output-parts` run wrote ("{rank}" in the path, at any
// rank count), which the ranks share out and route to the owners.
#ifndef N2V_CLI_PREVIOUS_SHARES_H_
#define N2V_CLI_PREVIOUS_SHARES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "embed_flags.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_reembed.h"
#include "n2v/embeddings.h"

namespace n2v::cli {

struct PreviousShares {
  std::optional<Embeddings> vectors, context, align_to;
  distributed::DistributedPrevious pointers() const;
};

// Collective. Errors start with the flag and name the file.
absl::StatusOr<PreviousShares> ReadPreviousShares(const distributed::Communicator& comm,
                                                  const EmbedFlags& f);

}  // namespace n2v::cli

#endif  // N2V_CLI_PREVIOUS_SHARES_H_
