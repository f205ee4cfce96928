// Alignment of a new embedding to a previous one, so that re-embedding a
// graph does not move every vector: the new vectors are rotated by the
// orthogonal matrix R minimising sum over shared nodes of |a_v R - b_v|^2
// (orthogonal Procrustes, Schonemann 1966: R = U V^T for the SVD
// U S V^T of A^T B). A rotation keeps every distance, angle and dot product
// between new vectors, so nothing downstream loses information.
#ifndef N2V_ALIGNMENT_H_
#define N2V_ALIGNMENT_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/embeddings.h"

namespace n2v {

// How far shared nodes moved: per node |a_v R - b_v| / |b_v| (relative L2
// distance after rotation).
struct DriftStats {
  uint64_t shared_nodes = 0;  // ids in both embeddings
  uint64_t added_nodes = 0;   // in the new embedding only
  uint64_t removed_nodes = 0; // in the reference only
  double mean = 0;
  double p95 = 0;
  double max = 0;
};

// The rotation (row-major d x d) that best maps `moving` onto `reference`
// over their shared ids. InvalidArgument when dimensions differ or no id is
// shared.
absl::StatusOr<std::vector<double>> ProcrustesRotation(const Embeddings& moving,
                                                       const Embeddings& reference);

// The steps of ProcrustesRotation, for a run whose rows are spread over
// several processes (which sum the d x d matrix before rotating):
// M = A^T B over the ids `moving` shares with `reference` (row-major,
// d x d; `shared` gets how many), and R = U V^T for the SVD U S V^T of M.
std::vector<double> CrossCovariance(const Embeddings& moving,
                                    const Embeddings& reference,
                                    uint64_t* shared);
std::vector<double> RotationFromCrossCovariance(std::vector<double> m,
                                                uint32_t d);

// One node's drift: |a - b| / |b| (|a - b| when b is zero).
double RowDrift(std::span<const float> a, std::span<const float> b);
// Which of `count` sorted drifts (count > 0) MeasureDrift reports as p95.
uint64_t P95Rank(uint64_t count);

// Rotates every row of `embeddings` by `rotation` (d x d, row-major).
void Rotate(Embeddings& embeddings, const std::vector<double>& rotation);

// Drift of the shared ids between two embeddings, as they are. When
// `only_ids` is not empty, the mean and percentiles cover only those ids
// (e.g. the nodes a change did not touch); the counts always cover all.
absl::StatusOr<DriftStats> MeasureDrift(const Embeddings& current,
                                        const Embeddings& reference,
                                        const std::vector<int64_t>& only_ids = {});

// ProcrustesRotation + Rotate + MeasureDrift.
absl::StatusOr<DriftStats> AlignToReference(Embeddings& embeddings,
                                            const Embeddings& reference);

}  // namespace n2v

#endif  // N2V_ALIGNMENT_H_
