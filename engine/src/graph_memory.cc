// The memory model of graphs and vector sets (memory_model.h), apart from
// that of runs so that the upload path needs no training code.
#include "internal/huge_pages.h"
#include "n2v/graph.h"
#include "n2v/memory_model.h"
#include "n2v/node_id_index.h"

namespace n2v {

GraphMemory EstimateGraphMemory(uint64_t num_nodes, uint64_t input_edges,
                                bool directed, bool weighted) {
  const uint64_t arcs = directed ? input_edges : 2 * input_edges;
  GraphMemory m;
  // Offsets, targets, weights, and the id index.
  m.built = (num_nodes + 1) * sizeof(uint64_t) + arcs * sizeof(NodeIndex) +
            (weighted ? arcs * sizeof(float) : 0) +
            NodeIdIndex::MaxMemoryBytes(num_nodes);
  // Input columns (ids, weights), dense copies, degree counts and cursors,
  // and the unsorted arc array, alive together at the worst point.
  const uint64_t input = input_edges * (2 * sizeof(int64_t) +
                                        (weighted ? sizeof(float) : 0));
  const uint64_t scatter = 2 * input_edges * sizeof(NodeIndex) +
                           num_nodes * (sizeof(uint32_t) + 2 * sizeof(uint64_t)) +
                           arcs * (sizeof(NodeIndex) + sizeof(float));
  m.build_peak = input + scatter + m.built;
  return m;
}

uint64_t EstimateEmbeddingsBytes(uint64_t rows, uint32_t dimensions) {
  return internal::LargeAllocationFootprint(rows * PaddedDimension(dimensions) *
                                            sizeof(float)) +
         NodeIdIndex::MaxMemoryBytes(rows);
}

}  // namespace n2v
