// Previous vectors for a distributed warm start: one file filtered by
// owner, or part files routed to the owners.
#include "previous_shares.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/distributed/route_rows.h"
#include "n2v/io/embedding_io.h"
#include "n2v/status_macros.h"
#include "rank_output.h"

namespace n2v::cli {
namespace {

using distributed::Communicator;

absl::Status WithFlag(const char* flag, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(flag, ": ", status.message()));
}

// The rows of own nodes from one file every rank reads whole (through a
// window), keeping its own.
absl::StatusOr<Embeddings> ReadOwnRows(const Communicator& comm, const std::string& path) {
  return io::ReadEmbeddings(path, [&](int64_t id) {
    return distributed::OwnerOf(id, comm.size()) == comm.rank();
  });
}

// Collective: the rows of own nodes from one text file that the ranks
// split by byte ranges, each reading its range and routing the rows to
// their owners. Nullopt, on every rank, when the file cannot be split
// (gzip or binary): then every rank reads it whole.
absl::StatusOr<std::optional<Embeddings>> RouteRangeRows(const Communicator& comm,
                                                         const std::string& path) {
  absl::StatusOr<io::EmbeddingShareReader> reader =
      io::EmbeddingShareReader::Open(path, comm.rank(), comm.size());
  const bool unsplittable =
      !reader.ok() && reader.status().code() == absl::StatusCode::kFailedPrecondition;
  std::vector<uint64_t> any_unsplittable = {unsplittable ? 1u : 0u};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(any_unsplittable)));
  if (any_unsplittable[0] != 0) return std::nullopt;
  N2V_RETURN_IF_ERROR(distributed::AgreeOnStatus(comm, reader.status(), "opening the file"));
  // Every rank read the same header. Its row count sets the room reserved
  // for the rows, but no more rows fit the file than its bytes allow (each
  // at least 2 (d + 1) bytes), whatever the header says.
  std::error_code no_size;
  const uint64_t bytes = std::filesystem::file_size(path, no_size);
  const uint64_t fit = no_size ? 0 : bytes / (2 * (uint64_t{reader->dimensions()} + 1));
  N2V_ASSIGN_OR_RETURN(
      Embeddings rows,
      distributed::RouteRowsToOwners(comm, reader->dimensions(),
                                     [&] { return reader->Next(distributed::kRowsPerRoutedPiece); },
                                     std::min(reader->announced_rows(), fit) / comm.size()));
  std::vector<uint64_t> read = {reader->rows_read()};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(read)));
  if (read[0] != reader->announced_rows()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": header announces ",
                                                   reader->announced_rows(),
                                                   " rows, found ", read[0]));
  }
  return rows;
}

// How far past the first missing part CountParts looks for a gap.
constexpr uint64_t kGapSearch = 64;

// Collective: how many parts "{rank}" names (0, 1, ... while they exist),
// as rank 0 finds them. InvalidArgument when a part is missing but a later
// one (within kGapSearch) exists: the rest would be read as not there.
absl::StatusOr<uint64_t> CountParts(const Communicator& comm, const std::string& path) {
  std::string count;
  absl::Status gap = absl::OkStatus();
  if (comm.rank() == 0) {
    uint64_t parts = 0;
    while (std::filesystem::exists(PathOfRank(path, static_cast<int>(parts)))) ++parts;
    for (uint64_t later = parts + 1; later <= parts + kGapSearch; ++later) {
      const std::string found = PathOfRank(path, static_cast<int>(later));
      if (!std::filesystem::exists(found)) continue;
      gap = absl::InvalidArgumentError(absl::StrCat(
          "part '", PathOfRank(path, static_cast<int>(parts)), "' is missing, but '", found,
          "' exists"));
      break;
    }
    distributed::AppendPod(count, parts);
  }
  N2V_RETURN_IF_ERROR(distributed::AgreeOnStatus(comm, gap, "finding the parts"));
  N2V_RETURN_IF_ERROR(comm.Broadcast(&count, 0));
  return distributed::ReadPods<uint64_t>(count)[0];
}

// Collective: parts r, r + P, ... read on rank r, a part at a time, and
// their rows routed to the ranks that own them.
absl::StatusOr<Embeddings> RoutePartRows(const Communicator& comm, const std::string& path,
                                         uint64_t parts, uint32_t dimensions) {
  uint64_t part = comm.rank();
  Embeddings held;
  size_t at = 0;
  auto next = [&]() -> absl::StatusOr<Embeddings> {
    while (at == held.size()) {
      if (part >= parts) return Embeddings();
      const std::string file = PathOfRank(path, static_cast<int>(part));
      part += comm.size();
      N2V_ASSIGN_OR_RETURN(held, io::ReadEmbeddings(file));
      at = 0;
      if (held.size() > 0 && held.dimensions() != dimensions) {
        return absl::InvalidArgumentError(absl::StrCat(
            file, " has ", held.dimensions(), " dimensions but --dimensions is ", dimensions));
      }
    }
    const size_t end = std::min(held.size(), at + distributed::kRowsPerRoutedPiece);
    Embeddings piece = distributed::RowSlice(held, at, end);
    at = end;
    return piece;
  };
  return distributed::RouteRowsToOwners(comm, dimensions, next);
}

// Collective: this rank's share of the vectors `flag` names, or nothing
// when the flag is empty.
absl::StatusOr<std::optional<Embeddings>> ReadShare(const Communicator& comm,
                                                    const char* flag,
                                                    const std::string& path,
                                                    uint32_t dimensions) {
  if (path.empty()) return std::nullopt;
  if (path.find("{rank}") == std::string::npos) {
    absl::StatusOr<std::optional<Embeddings>> routed = RouteRangeRows(comm, path);
    if (!routed.ok()) return WithFlag(flag, routed.status());
    if (routed->has_value()) return std::move(*routed);
    absl::StatusOr<Embeddings> rows = ReadOwnRows(comm, path);
    N2V_RETURN_IF_ERROR(distributed::AgreeOnStatus(comm, WithFlag(flag, rows.status()), flag));
    return *std::move(rows);
  }
  absl::StatusOr<uint64_t> counted = CountParts(comm, path);
  if (!counted.ok()) return WithFlag(flag, counted.status());
  const uint64_t parts = *counted;
  if (parts == 0) {
    return absl::NotFoundError(absl::StrCat(flag, ": no file ", PathOfRank(path, 0)));
  }
  absl::StatusOr<Embeddings> rows = RoutePartRows(comm, path, parts, dimensions);
  if (!rows.ok()) return WithFlag(flag, rows.status());
  return *std::move(rows);
}

}  // namespace

absl::StatusOr<distributed::HeldPrevious> ReadPreviousShares(const Communicator& comm,
                                                             const EmbedFlags& f) {
  const uint32_t d = f.options.dimensions;
  distributed::HeldPrevious shares;
  N2V_ASSIGN_OR_RETURN(shares.vectors, ReadShare(comm, "--init", f.init, d));
  N2V_ASSIGN_OR_RETURN(shares.context, ReadShare(comm, "--init-context", f.init_context, d));
  N2V_ASSIGN_OR_RETURN(shares.align_to, ReadShare(comm, "--align-to", f.align_to, d));
  return shares;
}

}  // namespace n2v::cli
