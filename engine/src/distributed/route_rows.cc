// RouteRowsToOwners: rounds of one all-to-all each, until every rank has
// offered its last piece.
#include "n2v/distributed/route_rows.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// A piece's rows as (id, values) records, one buffer per owner.
std::vector<std::string> PackByOwner(const Embeddings& piece, int ranks) {
  std::vector<std::string> out(ranks);
  for (size_t r = 0; r < piece.size(); ++r) {
    std::string& to = out[OwnerOf(piece.id(r), ranks)];
    AppendPod(to, piece.id(r));
    const auto row = piece.row(r);
    to.append(reinterpret_cast<const char*>(row.data()), row.size() * sizeof(float));
  }
  return out;
}

// The rows that have arrived, in arrival order.
struct Arrived {
  std::vector<int64_t> ids;
  std::vector<float> values;
};

void Keep(const std::vector<std::string>& received, uint32_t dimensions, Arrived& arrived) {
  const size_t record = sizeof(int64_t) + dimensions * sizeof(float);
  for (const std::string& bytes : received) {
    for (size_t at = 0; at + record <= bytes.size(); at += record) {
      int64_t id;
      std::memcpy(&id, bytes.data() + at, sizeof id);
      arrived.ids.push_back(id);
      const size_t old = arrived.values.size();
      arrived.values.resize(old + dimensions);
      std::memcpy(arrived.values.data() + old, bytes.data() + at + sizeof id,
                  dimensions * sizeof(float));
    }
  }
}

}  // namespace

Embeddings RowSlice(const Embeddings& rows, size_t begin, size_t end) {
  std::vector<int64_t> ids;
  for (size_t r = begin; r < end; ++r) ids.push_back(rows.id(r));
  auto index = NodeIdIndex::Create(std::move(ids));  // a slice of an index: no repeats
  Embeddings slice(std::make_shared<const NodeIdIndex>(*std::move(index)), rows.dimensions());
  for (size_t r = begin; r < end; ++r) {
    std::copy(rows.row(r).begin(), rows.row(r).end(), slice.mutable_row(r - begin).begin());
  }
  return slice;
}

absl::StatusOr<Embeddings> RouteRowsToOwners(
    const Communicator& comm, uint32_t dimensions,
    absl::FunctionRef<absl::StatusOr<Embeddings>()> next, uint64_t expected_rows) {
  Arrived arrived;
  // A little room past the expected count: hashing spreads ids evenly, and
  // growing past the room would briefly hold the rows twice over.
  const uint64_t room = expected_rows + expected_rows / 16;
  arrived.ids.reserve(room);
  arrived.values.reserve(room * dimensions);
  absl::Status offered = absl::OkStatus();
  bool more = true;
  while (true) {
    Embeddings piece;
    if (more && offered.ok()) {
      absl::StatusOr<Embeddings> got = next();
      if (!got.ok()) {
        offered = got.status();
      } else if (got->size() > 0 && got->dimensions() != dimensions) {
        offered = absl::InvalidArgumentError(absl::StrCat(
            "rows have ", got->dimensions(), " dimensions, expected ", dimensions));
      } else {
        piece = *std::move(got);
      }
      more = offered.ok() && piece.size() > 0;
    }
    std::vector<uint64_t> anyone = {more ? 1u : 0u};
    N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(anyone)));
    if (anyone[0] == 0) break;
    std::vector<std::string> received;
    N2V_RETURN_IF_ERROR(comm.AllToAll(PackByOwner(piece, comm.size()), &received));
    Keep(received, dimensions, arrived);
  }
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, offered, "reading rows"));
  absl::StatusOr<Embeddings> mine =
      Embeddings::FromRows(std::move(arrived.ids), dimensions, arrived.values);
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, mine.status(), "routing rows"));
  return mine;
}

}  // namespace n2v::distributed
