// Collecting every rank's vectors on one rank, a piece at a time, in
// ascending id order: how a distributed run writes one embedding file
// without any rank holding the whole model.
#ifndef N2V_DISTRIBUTED_GATHER_ROWS_H_
#define N2V_DISTRIBUTED_GATHER_ROWS_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "n2v/distributed/communicator.h"
#include "n2v/embeddings.h"

namespace n2v::distributed {

// Collective. `mine` holds this rank's rows in ascending id order. Calls
// `sink` on rank `root` with consecutive pieces of the whole set (all
// ranks' rows with ids in a range, ascending), each about `rows_per_piece`
// rows; other ranks never call it. The root's first sink error is returned
// there, after the exchanges, which every rank completes.
absl::Status GatherRows(const Communicator& comm, const Embeddings& mine,
                        uint64_t rows_per_piece, int root,
                        absl::FunctionRef<absl::Status(const Embeddings&)> sink);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_GATHER_ROWS_H_
