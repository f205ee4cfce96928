// Edge feature operators over pairs of embedding rows.
#include "n2v/edge_features.h"

#include <cmath>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"
#include "absl/strings/str_replace.h"
#include "internal/parallel.h"

namespace n2v {
namespace {

void PairFeatures(EdgeOperator op, const float* __restrict a,
                  const float* __restrict b, uint32_t d,
                  float* __restrict out) {
  switch (op) {
    case EdgeOperator::kAverage:
      for (uint32_t i = 0; i < d; ++i) out[i] = 0.5f * (a[i] + b[i]);
      return;
    case EdgeOperator::kHadamard:
      for (uint32_t i = 0; i < d; ++i) out[i] = a[i] * b[i];
      return;
    case EdgeOperator::kWeightedL1:
      for (uint32_t i = 0; i < d; ++i) out[i] = std::fabs(a[i] - b[i]);
      return;
    case EdgeOperator::kWeightedL2:
      for (uint32_t i = 0; i < d; ++i) {
        const float diff = a[i] - b[i];
        out[i] = diff * diff;
      }
      return;
    case EdgeOperator::kDot:
    case EdgeOperator::kCosine: {
      double dot = 0, na = 0, nb = 0;
      for (uint32_t i = 0; i < d; ++i) {
        dot += double{a[i]} * b[i];
        na += double{a[i]} * a[i];
        nb += double{b[i]} * b[i];
      }
      if (op == EdgeOperator::kDot) {
        out[0] = static_cast<float>(dot);
      } else {
        out[0] = (na == 0 || nb == 0)
                     ? 0.0f
                     : static_cast<float>(dot / std::sqrt(na * nb));
      }
      return;
    }
  }
}

}  // namespace

absl::StatusOr<EdgeOperator> ParseEdgeOperator(std::string_view name) {
  std::string key = absl::AsciiStrToLower(internal::Sv(name));
  key = absl::StrReplaceAll(key, {{"_", "-"}});
  if (key == "average" || key == "avg" || key == "mean") {
    return EdgeOperator::kAverage;
  }
  if (key == "hadamard") return EdgeOperator::kHadamard;
  if (key == "weighted-l1" || key == "l1") return EdgeOperator::kWeightedL1;
  if (key == "weighted-l2" || key == "l2") return EdgeOperator::kWeightedL2;
  if (key == "cosine") return EdgeOperator::kCosine;
  if (key == "dot") return EdgeOperator::kDot;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown edge operator '", internal::Sv(name),
      "' (expected average, hadamard, weighted-l1, weighted-l2, cosine or dot)"));
}

std::string_view EdgeOperatorName(EdgeOperator op) {
  switch (op) {
    case EdgeOperator::kAverage:
      return "average";
    case EdgeOperator::kHadamard:
      return "hadamard";
    case EdgeOperator::kWeightedL1:
      return "weighted-l1";
    case EdgeOperator::kWeightedL2:
      return "weighted-l2";
    case EdgeOperator::kCosine:
      return "cosine";
    case EdgeOperator::kDot:
      return "dot";
  }
  return "unknown";
}

uint32_t EdgeFeatureWidth(EdgeOperator op, uint32_t dimensions) {
  return (op == EdgeOperator::kCosine || op == EdgeOperator::kDot) ? 1
                                                                  : dimensions;
}

absl::Status ComputeEdgeFeatures(const Embeddings& embeddings,
                                 std::span<const int64_t> sources,
                                 std::span<const int64_t> targets,
                                 EdgeOperator op, std::span<float> out,
                                 int num_threads) {
  if (sources.size() != targets.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pair columns differ in length: ", sources.size(),
                     " sources, ", targets.size(), " targets"));
  }
  const uint32_t width = EdgeFeatureWidth(op, embeddings.dimensions());
  if (out.size() != sources.size() * size_t{width}) {
    return absl::InvalidArgumentError(
        absl::StrCat("output holds ", out.size(), " floats, expected ",
                     sources.size() * size_t{width}));
  }
  const size_t n = sources.size();
  std::vector<uint32_t> rows(2 * n);
  for (size_t i = 0; i < n; ++i) {
    for (int side = 0; side < 2; ++side) {
      const int64_t id = side == 0 ? sources[i] : targets[i];
      const auto row = embeddings.Find(id);
      if (!row) {
        return absl::NotFoundError(absl::StrCat(
            "node id ", id, " (", side == 0 ? "source" : "target", " of pair ",
            i, ") has no embedding"));
      }
      rows[2 * i + side] = *row;
    }
  }
  internal::RunInArena(num_threads, [&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, n, 1024),
                      [&](const tbb::blocked_range<size_t>& r) {
                        for (size_t i = r.begin(); i < r.end(); ++i) {
                          PairFeatures(op,
                                       embeddings.row(rows[2 * i]).data(),
                                       embeddings.row(rows[2 * i + 1]).data(),
                                       embeddings.dimensions(),
                                       out.data() + i * width);
                        }
                      });
  });
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> ComputeEdgeFeatures(
    const Embeddings& embeddings, std::span<const int64_t> sources,
    std::span<const int64_t> targets, EdgeOperator op, int num_threads) {
  std::vector<float> out(sources.size() *
                         size_t{EdgeFeatureWidth(op, embeddings.dimensions())});
  absl::Status status =
      ComputeEdgeFeatures(embeddings, sources, targets, op, out, num_threads);
  if (!status.ok()) return status;
  return out;
}

}  // namespace n2v
