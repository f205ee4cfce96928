// A rank's share of a previous run's vectors for `n2v-mpi embed`'s warm
// starts (--init, --init-context, --align-to): the rows of the nodes it
// owns. One text file is split by byte ranges, each rank reading its range
// and routing the rows to their owners; a gzip or binary file is read whole
// by every rank, through a window, keeping its own rows; the parts an
// earlier `--output-parts` run wrote ("{rank}" in the path, at any rank
// count) are shared out among the ranks and routed the same way.
#ifndef N2V_CLI_PREVIOUS_SHARES_H_
#define N2V_CLI_PREVIOUS_SHARES_H_

#include "absl/status/statusor.h"
#include "embed_flags.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_reembed.h"

namespace n2v::cli {

// Collective. Errors start with the flag and name the file.
absl::StatusOr<distributed::HeldPrevious> ReadPreviousShares(
    const distributed::Communicator& comm, const EmbedFlags& f);

}  // namespace n2v::cli

#endif  // N2V_CLI_PREVIOUS_SHARES_H_
