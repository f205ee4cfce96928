// Helpers for the distributed suites: random graphs given as edge lists
// (every rank makes the same one), a rank's share of them, and the whole
// graph built on one machine for comparison, and a rank's rows gathered.
#ifndef N2V_TESTS_DISTRIBUTED_TEST_UTIL_H_
#define N2V_TESTS_DISTRIBUTED_TEST_UTIL_H_

#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/random.h"

namespace n2v::testing {

// A graph with hubs, isolated nodes, nodes without out-arcs (directed),
// self-loops, duplicate edges and ids far from 0.
inline EdgeList RandomEdges(uint32_t nodes, bool weighted, uint64_t seed) {
  Rng rng(seed);
  EdgeList edges;
  auto add = [&](int64_t u, int64_t v) {
    edges.sources.push_back(u * 3 + 1000);
    edges.targets.push_back(v * 3 + 1000);
    if (weighted) edges.weights.push_back(0.1f + 5 * rng.UniformFloat());
  };
  for (uint32_t v = 2; v < nodes; ++v) {
    if (v % 3 == 0) continue;
    v % 2 == 0 ? add(1, v) : add(v, 1);  // a hub
  }
  for (uint32_t e = 0; e < 4 * nodes; ++e) {
    const int64_t u = rng.Below(nodes), v = rng.Below(nodes);
    if (u % 7 == 3 || v % 7 == 3) continue;
    add(u, u % 5 == 1 ? u + nodes : v);  // some targets never have out-arcs
  }
  add(5, 5);
  add(8, 9);
  add(8, 9);
  for (uint32_t v = 3; v < nodes; v += 7) edges.nodes.push_back(v * 3 + 1000);
  return edges;
}

// Edges i with i % ranks == rank, and nodes the same way.
inline EdgeList ShareOf(const EdgeList& all, int rank, int ranks) {
  EdgeList share;
  for (size_t i = rank; i < all.sources.size(); i += ranks) {
    share.sources.push_back(all.sources[i]);
    share.targets.push_back(all.targets[i]);
    if (!all.weights.empty()) share.weights.push_back(all.weights[i]);
  }
  for (size_t i = rank; i < all.nodes.size(); i += ranks) {
    share.nodes.push_back(all.nodes[i]);
  }
  return share;
}

inline distributed::PartitionedGraph PartitionOrDie(
    const distributed::Communicator& comm, const EdgeList& all, bool directed) {
  auto graph = distributed::PartitionedGraph::Build(
      comm, ShareOf(all, comm.rank(), comm.size()), directed,
      !all.weights.empty(), 2);
  if (!graph.ok()) {
    ADD_FAILURE() << graph.status();
    std::abort();
  }
  return *std::move(graph);
}

inline CsrGraph WholeOrDie(EdgeList all, bool directed) {
  auto graph = CsrGraph::Build(std::move(all), {.directed = directed, .num_threads = 2});
  if (!graph.ok()) {
    ADD_FAILURE() << graph.status();
    std::abort();
  }
  return *std::move(graph);
}

// Rows for the ids `pick` accepts among `ids`, with values fixed by the id
// (a previous run's vectors, the same on every rank).
inline Embeddings TestRows(const std::vector<int64_t>& ids, uint32_t dims, auto pick) {
  std::vector<int64_t> kept;
  std::vector<float> values;
  for (int64_t id : ids) {
    if (!pick(id)) continue;
    kept.push_back(id);
    Rng rng(static_cast<uint64_t>(id) * 7919 + 1);
    for (uint32_t i = 0; i < dims; ++i) values.push_back(rng.UniformFloat() - 0.5f);
  }
  auto rows = Embeddings::FromRows(std::move(kept), dims, values);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return *std::move(rows);
}

// Every rank's rows, merged on rank 0 (empty elsewhere).
inline Embeddings GatherAll(const distributed::Communicator& comm, const Embeddings& mine) {
  std::vector<int64_t> ids;
  std::vector<float> values;
  const absl::Status s = distributed::GatherRows(
      comm, mine, 64, 0, [&](const Embeddings& piece) {
        for (size_t r = 0; r < piece.size(); ++r) {
          ids.push_back(piece.id(r));
          values.insert(values.end(), piece.row(r).begin(), piece.row(r).end());
        }
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << s;
  if (comm.rank() != 0) return Embeddings();
  auto all = Embeddings::FromRows(std::move(ids), mine.dimensions(), values);
  EXPECT_TRUE(all.ok()) << all.status();
  return *std::move(all);
}

}  // namespace n2v::testing

#endif  // N2V_TESTS_DISTRIBUTED_TEST_UTIL_H_
