// Edge features from node embeddings (Grover & Leskovec, KDD 2016, table 1)
// plus two scalar similarities. For a pair (u, v), per dimension i:
//   Average      (f_i(u) + f_i(v)) / 2
//   Hadamard     f_i(u) * f_i(v)
//   Weighted-L1  |f_i(u) - f_i(v)|
//   Weighted-L2  (f_i(u) - f_i(v))^2
// and the scalars cosine(f(u), f(v)) (0 when either vector is zero) and
// dot(f(u), f(v)).
#ifndef N2V_EDGE_FEATURES_H_
#define N2V_EDGE_FEATURES_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/embeddings.h"

namespace n2v {

enum class EdgeOperator {
  kAverage,
  kHadamard,
  kWeightedL1,
  kWeightedL2,
  kCosine,
  kDot,
};

// Accepts the canonical names ("average", "hadamard", "weighted-l1",
// "weighted-l2", "cosine", "dot"), case-insensitively, with '_' for '-' and
// "l1"/"l2" as short forms. InvalidArgument listing the choices otherwise.
absl::StatusOr<EdgeOperator> ParseEdgeOperator(std::string_view name);
std::string_view EdgeOperatorName(EdgeOperator op);

// Floats per pair: the dimension for vector operators, 1 for scalars.
uint32_t EdgeFeatureWidth(EdgeOperator op, uint32_t dimensions);

// Writes one row of EdgeFeatureWidth floats per pair into `out`, which must
// hold sources.size() * width floats. Every id is checked before anything is
// written: an unknown id is NotFound naming it and the pair's position.
absl::Status ComputeEdgeFeatures(const Embeddings& embeddings,
                                 std::span<const int64_t> sources,
                                 std::span<const int64_t> targets,
                                 EdgeOperator op, std::span<float> out,
                                 int num_threads = 0);

// Convenience form that allocates the output.
absl::StatusOr<std::vector<float>> ComputeEdgeFeatures(
    const Embeddings& embeddings, std::span<const int64_t> sources,
    std::span<const int64_t> targets, EdgeOperator op, int num_threads = 0);

}  // namespace n2v

#endif  // N2V_EDGE_FEATURES_H_
