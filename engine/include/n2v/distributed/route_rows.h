// RouteRowsToOwners: rows that ranks hold by chance (read from files, or
// all on one rank) sent to the ranks that own their nodes (OwnerOf), a
// piece at a time, so no rank holds more than its share and one piece.
#ifndef N2V_DISTRIBUTED_ROUTE_ROWS_H_
#define N2V_DISTRIBUTED_ROUTE_ROWS_H_

#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/embeddings.h"

namespace n2v::distributed {

// Rows a piece should hold (about 4 MiB at d = 128).
inline constexpr size_t kRowsPerRoutedPiece = size_t{1} << 13;

// Rows [begin, end) of `rows`, copied: a piece to offer.
Embeddings RowSlice(const Embeddings& rows, size_t begin, size_t end);

// Collective. Each rank offers its rows through `next`, which returns the
// next piece (rows of `dimensions` values), or an empty Embeddings when it
// has no more; a piece should be a few MiB. Returns the rows of the ids
// this rank owns, in the order they arrived. InvalidArgument, on every rank, when an
// id arrives twice or a piece has other dimensions; an error `next`
// returns on one rank is reported on every rank (AgreeOnStatus).
// `expected_rows`, when known, is about how many rows this rank will get:
// room for them is reserved up front.
absl::StatusOr<Embeddings> RouteRowsToOwners(
    const Communicator& comm, uint32_t dimensions,
    absl::FunctionRef<absl::StatusOr<Embeddings>()> next, uint64_t expected_rows = 0);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_ROUTE_ROWS_H_
