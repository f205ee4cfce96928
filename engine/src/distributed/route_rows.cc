// RouteRowsToOwners: rounds of one all-to-all each, until every rank has
// offered its last piece.
#include "n2v/distributed/route_rows.h"

#include <algorithm>
#include <cstring>
#include <numeric>
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

// Appends the records that arrived to `ids` and `values`.
void Unpack(const std::vector<std::string>& received, uint32_t dimensions,
            std::vector<int64_t>& ids, std::vector<float>& values) {
  const size_t record = sizeof(int64_t) + dimensions * sizeof(float);
  for (const std::string& bytes : received) {
    for (size_t at = 0; at + record <= bytes.size(); at += record) {
      int64_t id;
      std::memcpy(&id, bytes.data() + at, sizeof id);
      ids.push_back(id);
      values.resize(values.size() + dimensions);
      std::memcpy(values.data() + values.size() - dimensions,
                  bytes.data() + at + sizeof id, dimensions * sizeof(float));
    }
  }
}

// The rows sorted by id.
absl::StatusOr<Embeddings> SortedRows(std::vector<int64_t> ids, std::vector<float> values,
                                      uint32_t dimensions) {
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  std::vector<int64_t> sorted_ids(ids.size());
  std::vector<float> sorted_values(values.size());
  for (size_t k = 0; k < order.size(); ++k) {
    sorted_ids[k] = ids[order[k]];
    std::copy_n(values.data() + order[k] * dimensions, dimensions,
                sorted_values.data() + k * dimensions);
  }
  return Embeddings::FromRows(std::move(sorted_ids), dimensions, sorted_values);
}

}  // namespace

absl::StatusOr<Embeddings> RouteRowsToOwners(
    const Communicator& comm, uint32_t dimensions,
    absl::FunctionRef<absl::StatusOr<Embeddings>()> next) {
  std::vector<int64_t> ids;
  std::vector<float> values;
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
    Unpack(received, dimensions, ids, values);
  }
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, offered, "reading rows"));
  absl::StatusOr<Embeddings> mine = SortedRows(std::move(ids), std::move(values), dimensions);
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, mine.status(), "routing rows"));
  return mine;
}

}  // namespace n2v::distributed
