// WarmStartOwnRows: own rows copied, then neighbour means, with the rows of
// neighbours on other ranks fetched from their owners in three exchanges
// (which stubs have a row, the rows own nodes need, and the partial sums
// other ranks' nodes need).
#include "distributed/warm_start_rows.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

bool HasRow(const Embeddings& previous, int64_t id) {
  return previous.size() > 0 && previous.Find(id).has_value();
}

// Collective: each rank sends `asks[r]` (node ids) to rank r, which appends
// `answer(id)`'s bytes for each; returns the answers each rank gave.
absl::StatusOr<std::vector<std::string>> AskOwners(
    const Communicator& comm, const std::vector<std::string>& asks,
    absl::FunctionRef<void(int64_t id, std::string& out)> answer) {
  std::vector<std::string> questions;
  N2V_RETURN_IF_ERROR(comm.AllToAll(asks, &questions));
  std::vector<std::string> answers(comm.size());
  for (int r = 0; r < comm.size(); ++r) {
    for (int64_t id : ReadPods<int64_t>(questions[r])) answer(id, answers[r]);
  }
  std::vector<std::string> replies;
  N2V_RETURN_IF_ERROR(comm.AllToAll(answers, &replies));
  return replies;
}

// Per local node: whether its previous row is known (own nodes: in this
// rank's share; stubs: in their owner's).
absl::StatusOr<std::vector<uint8_t>> PresentNodes(const Communicator& comm,
                                                  const PartitionedGraph& graph,
                                                  const Embeddings& previous) {
  const CsrGraph& g = graph.local();
  std::vector<uint8_t> present(g.num_nodes(), 0);
  std::vector<std::string> asks(comm.size());
  std::vector<std::vector<NodeIndex>> asked(comm.size());
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    const int64_t id = g.original_id(v);
    if (graph.owns(v)) {
      present[v] = HasRow(previous, id);
      continue;
    }
    const int owner = graph.owner(id);
    AppendPod(asks[owner], id);
    asked[owner].push_back(v);
  }
  N2V_ASSIGN_OR_RETURN(const std::vector<std::string> replies,
                       AskOwners(comm, asks, [&](int64_t id, std::string& out) {
                         out.push_back(HasRow(previous, id) ? 1 : 0);
                       }));
  for (int r = 0; r < comm.size(); ++r) {
    for (size_t i = 0; i < asked[r].size(); ++i) present[asked[r][i]] = replies[r][i];
  }
  return present;
}

// The previous rows of the stubs that own nodes without a row need,
// fetched from their owners: (*at)[v] is stub v's offset in the result.
absl::StatusOr<std::vector<float>> FetchStubRows(const Communicator& comm,
                                                 const PartitionedGraph& graph,
                                                 const Embeddings& previous,
                                                 const std::vector<uint8_t>& present,
                                                 uint32_t d, std::vector<uint64_t>* at) {
  const CsrGraph& g = graph.local();
  at->assign(g.num_nodes(), UINT64_MAX);
  std::vector<std::string> asks(comm.size());
  std::vector<std::vector<NodeIndex>> asked(comm.size());
  for (NodeIndex v : graph.owned()) {
    if (present[v]) continue;
    for (NodeIndex x : g.out_neighbors(v)) {
      if (graph.owns(x) || !present[x] || (*at)[x] != UINT64_MAX) continue;
      (*at)[x] = 0;  // asked for
      const int owner = graph.owner(g.original_id(x));
      AppendPod(asks[owner], g.original_id(x));
      asked[owner].push_back(x);
    }
  }
  N2V_ASSIGN_OR_RETURN(const std::vector<std::string> replies,
                       AskOwners(comm, asks, [&](int64_t id, std::string& out) {
                         const auto row = previous.row(*previous.Find(id));
                         out.append(reinterpret_cast<const char*>(row.data()),
                                    d * sizeof(float));
                       }));
  std::vector<float> rows;
  for (int r = 0; r < comm.size(); ++r) {
    const std::vector<float> values = ReadPods<float>(replies[r]);
    for (size_t i = 0; i < asked[r].size(); ++i) {
      (*at)[asked[r][i]] = rows.size();
      rows.insert(rows.end(), values.begin() + i * d, values.begin() + (i + 1) * d);
    }
  }
  return rows;
}

// Sums of neighbour rows, in double, for a set of nodes (slots).
struct RowSums {
  RowSums(size_t slots, uint32_t d) : d(d), sums(slots * d, 0.0), counts(slots, 0) {}
  void Add(size_t slot, std::span<const float> row) {
    for (uint32_t i = 0; i < d; ++i) sums[slot * d + i] += row[i];
    ++counts[slot];
  }
  uint32_t d;
  std::vector<double> sums;
  std::vector<uint32_t> counts;
};

// Slots for the local nodes `pick` selects, kNoNode elsewhere.
template <typename Pick>
std::vector<uint32_t> Slots(NodeIndex n, Pick pick, size_t* count) {
  std::vector<uint32_t> slot(n, kNoNode);
  *count = 0;
  for (NodeIndex v = 0; v < n; ++v) {
    if (pick(v)) slot[v] = static_cast<uint32_t>((*count)++);
  }
  return slot;
}

// The partial sums of stubs, as (id, count, d doubles) records per owner.
std::vector<std::string> PackPartials(const PartitionedGraph& graph,
                                      const std::vector<uint32_t>& stub_slot,
                                      const RowSums& partial) {
  const CsrGraph& g = graph.local();
  std::vector<std::string> out(graph.ranks());
  for (NodeIndex x = 0; x < g.num_nodes(); ++x) {
    const uint32_t s = stub_slot[x];
    if (s == kNoNode || partial.counts[s] == 0) continue;
    std::string& to = out[graph.owner(g.original_id(x))];
    AppendPod(to, g.original_id(x));
    AppendPod(to, uint64_t{partial.counts[s]});
    to.append(reinterpret_cast<const char*>(partial.sums.data() + size_t{s} * partial.d),
              partial.d * sizeof(double));
  }
  return out;
}

// Adds other ranks' partial sums for own nodes, in rank order.
void AddPartials(const PartitionedGraph& graph, const std::vector<std::string>& received,
                 const std::vector<uint32_t>& own_slot, RowSums& sums) {
  const uint32_t d = sums.d;
  const size_t record = sizeof(int64_t) + sizeof(uint64_t) + d * sizeof(double);
  std::vector<double> values(d);
  for (const std::string& bytes : received) {
    for (size_t at = 0; at + record <= bytes.size(); at += record) {
      int64_t id;
      uint64_t count;
      std::memcpy(&id, bytes.data() + at, sizeof id);
      std::memcpy(&count, bytes.data() + at + sizeof id, sizeof count);
      std::memcpy(values.data(), bytes.data() + at + sizeof id + sizeof count,
                  d * sizeof(double));
      const uint32_t s = own_slot[*graph.local().ids().Find(id)];
      for (uint32_t i = 0; i < d; ++i) sums.sums[size_t{s} * d + i] += values[i];
      sums.counts[s] += static_cast<uint32_t>(count);
    }
  }
}

// Collective: seeds own nodes without a previous row; returns how many on
// this rank.
absl::StatusOr<uint64_t> SeedOwnRows(const Communicator& comm,
                                     const PartitionedGraph& graph,
                                     const Embeddings& previous, Embeddings& rows) {
  const CsrGraph& g = graph.local();
  const uint32_t d = rows.dimensions();
  N2V_ASSIGN_OR_RETURN(const std::vector<uint8_t> present,
                       PresentNodes(comm, graph, previous));
  std::vector<uint64_t> fetched_at;
  N2V_ASSIGN_OR_RETURN(const std::vector<float> fetched,
                       FetchStubRows(comm, graph, previous, present, d, &fetched_at));
  auto previous_row = [&](NodeIndex v) -> std::span<const float> {
    if (graph.owns(v)) return previous.row(*previous.Find(g.original_id(v)));
    return {fetched.data() + fetched_at[v], d};
  };
  size_t own_count = 0, stub_count = 0;
  const std::vector<uint32_t> own_slot = Slots(
      g.num_nodes(), [&](NodeIndex v) { return graph.owns(v) && !present[v]; }, &own_count);
  const std::vector<uint32_t> stub_slot = Slots(
      g.num_nodes(), [&](NodeIndex v) { return !graph.owns(v) && !present[v]; }, &stub_count);
  RowSums sums(own_count, d), partial(stub_count, d);
  for (NodeIndex v : graph.owned()) {
    for (NodeIndex x : g.out_neighbors(v)) {
      if (!present[v] && present[x]) sums.Add(own_slot[v], previous_row(x));
      if (present[x] || !present[v] || x == v) continue;
      if (graph.owns(x)) {
        sums.Add(own_slot[x], previous_row(v));
      } else {
        partial.Add(stub_slot[x], previous_row(v));
      }
    }
  }
  std::vector<std::string> received;
  N2V_RETURN_IF_ERROR(comm.AllToAll(PackPartials(graph, stub_slot, partial), &received));
  AddPartials(graph, received, own_slot, sums);
  uint64_t seeded = 0;
  for (NodeIndex v : graph.owned()) {
    const uint32_t s = own_slot[v];
    if (s == kNoNode || sums.counts[s] == 0) continue;
    auto row = rows.mutable_row(graph.row_of(v));
    for (uint32_t i = 0; i < d; ++i) {
      row[i] = static_cast<float>(sums.sums[size_t{s} * d + i] / sums.counts[s]);
    }
    ++seeded;
  }
  return seeded;
}

}  // namespace

uint64_t CopyOwnRows(const PartitionedGraph& graph, const Embeddings& previous,
                     float* rows, uint32_t stride) {
  uint64_t copied = 0;
  for (size_t k = 0; k < graph.owned().size(); ++k) {
    const int64_t id = graph.local().original_id(graph.owned()[k]);
    if (!HasRow(previous, id)) continue;
    const auto r = previous.Find(id);
    std::copy_n(previous.row(*r).data(), previous.dimensions(), rows + k * stride);
    ++copied;
  }
  return copied;
}

absl::StatusOr<internal::WarmStartCounts> WarmStartOwnRows(const Communicator& comm,
                                                           const PartitionedGraph& graph,
                                                           const Embeddings& previous,
                                                           Embeddings& rows) {
  absl::Status dims = absl::OkStatus();
  if (previous.size() > 0 && previous.dimensions() != rows.dimensions()) {
    dims = absl::InvalidArgumentError(
        absl::StrCat("initial vectors have ", previous.dimensions(),
                     " dimensions but dimensions is ", rows.dimensions()));
  }
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, dims, "checking the initial vectors"));
  std::vector<uint64_t> counts = {
      CopyOwnRows(graph, previous, rows.mutable_data(), rows.stride()), 0};
  std::vector<uint64_t> missing = {graph.owned().size() - counts[0]};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(missing)));
  if (missing[0] > 0) {
    N2V_ASSIGN_OR_RETURN(counts[1], SeedOwnRows(comm, graph, previous, rows));
  }
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(counts)));
  return internal::WarmStartCounts{.copied = counts[0], .seeded = counts[1]};
}

}  // namespace n2v::distributed
