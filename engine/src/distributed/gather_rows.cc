// GatherRows: id ranges, each range's rows sent to the root and merged.
#include "n2v/distributed/gather_rows.h"

#include <cstring>
#include <vector>

#include "distributed/id_ranges.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Rows [begin, end) of `mine` as (id, values) records.
std::string PackRows(const Embeddings& mine, size_t begin, size_t end) {
  std::string out;
  for (size_t r = begin; r < end; ++r) {
    AppendPod(out, mine.id(r));
    const auto row = mine.row(r);
    out.append(reinterpret_cast<const char*>(row.data()), row.size() * sizeof(float));
  }
  return out;
}

// The ranks' records merged by id.
absl::StatusOr<Embeddings> MergeRows(const std::vector<std::string>& received,
                                     uint32_t dimensions) {
  const size_t record = sizeof(int64_t) + dimensions * sizeof(float);
  std::vector<size_t> at(received.size(), 0);
  std::vector<int64_t> ids;
  std::vector<float> values;
  while (true) {
    int next = -1;
    int64_t next_id = 0;
    for (size_t r = 0; r < received.size(); ++r) {
      if (at[r] >= received[r].size()) continue;
      int64_t id;
      std::memcpy(&id, received[r].data() + at[r], sizeof id);
      if (next < 0 || id < next_id) {
        next = static_cast<int>(r);
        next_id = id;
      }
    }
    if (next < 0) break;
    const char* row = received[next].data() + at[next] + sizeof(int64_t);
    ids.push_back(next_id);
    values.insert(values.end(), reinterpret_cast<const float*>(row),
                  reinterpret_cast<const float*>(row) + dimensions);
    at[next] += record;
  }
  return Embeddings::FromRows(std::move(ids), dimensions, values);
}

}  // namespace

absl::Status GatherRows(const Communicator& comm, const Embeddings& mine,
                        uint64_t rows_per_piece, int root,
                        absl::FunctionRef<absl::Status(const Embeddings&)> sink) {
  std::vector<int64_t> ids(mine.size());
  for (size_t r = 0; r < mine.size(); ++r) ids[r] = mine.id(r);
  N2V_ASSIGN_OR_RETURN(std::vector<size_t> ends,
                       PlanIdRanges(comm, ids, rows_per_piece));
  // A failure of the root's sink ends its writing, not the exchanges the
  // other ranks are making.
  absl::Status status = absl::OkStatus();
  size_t begin = 0;
  for (size_t end : ends) {
    std::vector<std::string> out(comm.size()), in;
    out[root] = PackRows(mine, begin, end);
    N2V_RETURN_IF_ERROR(comm.AllToAll(out, &in));
    begin = end;
    if (comm.rank() != root || !status.ok()) continue;
    absl::StatusOr<Embeddings> piece = MergeRows(in, mine.dimensions());
    status = piece.ok() ? sink(*piece) : piece.status();
  }
  return status;
}

}  // namespace n2v::distributed
