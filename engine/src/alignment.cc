// Orthogonal Procrustes alignment. The SVD of the d x d cross-covariance
// is computed with one-sided Jacobi rotations (Hestenes), which is simple,
// accurate for small dense matrices, and needs no LAPACK.
#include "n2v/alignment.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace n2v {
namespace {

using Matrix = std::vector<double>;  // row-major d x d

// Makes the columns of w mutually orthogonal by plane rotations, applying
// the same rotations to v; on return w = M V with orthogonal columns.
void HestenesSweeps(Matrix& w, Matrix& v, uint32_t d) {
  constexpr int kMaxSweeps = 60;
  constexpr double kTolerance = 1e-15;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    bool rotated = false;
    for (uint32_t i = 0; i + 1 < d; ++i) {
      for (uint32_t j = i + 1; j < d; ++j) {
        double alpha = 0, beta = 0, gamma = 0;
        for (uint32_t r = 0; r < d; ++r) {
          const double a = w[r * d + i], b = w[r * d + j];
          alpha += a * a;
          beta += b * b;
          gamma += a * b;
        }
        if (std::fabs(gamma) <= kTolerance * std::sqrt(alpha * beta) ||
            gamma == 0) {
          continue;
        }
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) /
                         (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t);
        const double s = c * t;
        for (Matrix* m : {&w, &v}) {
          for (uint32_t r = 0; r < d; ++r) {
            const double a = (*m)[r * d + i], b = (*m)[r * d + j];
            (*m)[r * d + i] = c * a - s * b;
            (*m)[r * d + j] = s * a + c * b;
          }
        }
      }
    }
    if (!rotated) return;
  }
}

// Normalises the columns of w into U; columns with (near) zero norm are
// completed to an orthonormal basis by Gram-Schmidt against the others.
Matrix OrthonormalColumns(const Matrix& w, uint32_t d) {
  Matrix u(w.size(), 0.0);
  double largest = 0;
  std::vector<double> norms(d);
  for (uint32_t c = 0; c < d; ++c) {
    double norm = 0;
    for (uint32_t r = 0; r < d; ++r) norm += w[r * d + c] * w[r * d + c];
    norms[c] = std::sqrt(norm);
    largest = std::max(largest, norms[c]);
  }
  const double tiny = largest * 1e-12;
  std::vector<bool> done(d, false);
  for (uint32_t c = 0; c < d; ++c) {
    if (norms[c] <= tiny || norms[c] == 0) continue;
    for (uint32_t r = 0; r < d; ++r) u[r * d + c] = w[r * d + c] / norms[c];
    done[c] = true;
  }
  // Completion: try unit vectors e_k until each missing column is filled.
  uint32_t next_basis = 0;
  for (uint32_t c = 0; c < d; ++c) {
    if (done[c]) continue;
    while (true) {
      std::vector<double> x(d, 0.0);
      x[next_basis++ % d] = 1.0;
      for (uint32_t o = 0; o < d; ++o) {
        if (!done[o]) continue;
        double dot = 0;
        for (uint32_t r = 0; r < d; ++r) dot += x[r] * u[r * d + o];
        for (uint32_t r = 0; r < d; ++r) x[r] -= dot * u[r * d + o];
      }
      double norm = 0;
      for (double e : x) norm += e * e;
      norm = std::sqrt(norm);
      if (norm > 1e-6) {
        for (uint32_t r = 0; r < d; ++r) u[r * d + c] = x[r] / norm;
        done[c] = true;
        break;
      }
    }
  }
  return u;
}

}  // namespace

std::vector<double> CrossCovariance(const Embeddings& moving,
                                    const Embeddings& reference,
                                    uint64_t* shared) {
  const uint32_t d = moving.dimensions();
  Matrix m(size_t{d} * d, 0.0);
  *shared = 0;
  for (size_t r = 0; r < moving.size(); ++r) {
    const auto other = reference.Find(moving.id(r));
    if (!other) continue;
    ++*shared;
    const auto a = moving.row(r);
    const auto b = reference.row(*other);
    for (uint32_t i = 0; i < d; ++i) {
      const double ai = a[i];
      for (uint32_t j = 0; j < d; ++j) m[size_t{i} * d + j] += ai * b[j];
    }
  }
  return m;
}

std::vector<double> RotationFromCrossCovariance(std::vector<double> m,
                                                uint32_t d) {
  // M = U S V^T  ->  R = U V^T.
  Matrix v(size_t{d} * d, 0.0);
  for (uint32_t i = 0; i < d; ++i) v[size_t{i} * d + i] = 1.0;
  HestenesSweeps(m, v, d);
  const Matrix u = OrthonormalColumns(m, d);
  Matrix rotation(size_t{d} * d, 0.0);
  for (uint32_t i = 0; i < d; ++i) {
    for (uint32_t k = 0; k < d; ++k) {
      const double uik = u[size_t{i} * d + k];
      for (uint32_t j = 0; j < d; ++j) {
        rotation[size_t{i} * d + j] += uik * v[size_t{j} * d + k];
      }
    }
  }
  return rotation;
}

absl::StatusOr<std::vector<double>> ProcrustesRotation(
    const Embeddings& moving, const Embeddings& reference) {
  const uint32_t d = moving.dimensions();
  if (reference.dimensions() != d) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot align: the embeddings have ", d, " and ",
        reference.dimensions(), " dimensions"));
  }
  uint64_t shared = 0;
  Matrix m = CrossCovariance(moving, reference, &shared);
  if (shared == 0) {
    return absl::InvalidArgumentError(
        "cannot align: the embeddings share no node id");
  }
  return RotationFromCrossCovariance(std::move(m), d);
}

void Rotate(Embeddings& embeddings, const std::vector<double>& rotation) {
  const uint32_t d = embeddings.dimensions();
  std::vector<double> out(d);
  for (size_t r = 0; r < embeddings.size(); ++r) {
    auto row = embeddings.mutable_row(r);
    std::fill(out.begin(), out.end(), 0.0);
    for (uint32_t i = 0; i < d; ++i) {
      const double x = row[i];
      for (uint32_t j = 0; j < d; ++j) out[j] += x * rotation[size_t{i} * d + j];
    }
    for (uint32_t j = 0; j < d; ++j) row[j] = static_cast<float>(out[j]);
  }
}

double RowDrift(std::span<const float> a, std::span<const float> b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
    norm += double{b[i]} * b[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

uint64_t P95Rank(uint64_t count) {
  return std::min(count - 1, static_cast<uint64_t>(0.95 * count));
}

absl::StatusOr<DriftStats> MeasureDrift(const Embeddings& current,
                                        const Embeddings& reference,
                                        const std::vector<int64_t>& only_ids) {
  if (current.dimensions() != reference.dimensions()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot compare embeddings of ", current.dimensions(), " and ",
        reference.dimensions(), " dimensions"));
  }
  absl::flat_hash_set<int64_t> only(only_ids.begin(), only_ids.end());
  DriftStats stats;
  std::vector<double> drift;
  for (size_t r = 0; r < current.size(); ++r) {
    const auto other = reference.Find(current.id(r));
    if (!other) {
      ++stats.added_nodes;
      continue;
    }
    ++stats.shared_nodes;
    if (!only.empty() && !only.contains(current.id(r))) continue;
    drift.push_back(RowDrift(current.row(r), reference.row(*other)));
  }
  stats.removed_nodes = reference.size() - stats.shared_nodes;
  if (!drift.empty()) {
    double sum = 0;
    for (double x : drift) sum += x;
    stats.mean = sum / drift.size();
    std::sort(drift.begin(), drift.end());
    stats.max = drift.back();
    stats.p95 = drift[P95Rank(drift.size())];
  }
  return stats;
}

absl::StatusOr<DriftStats> AlignToReference(Embeddings& embeddings,
                                            const Embeddings& reference) {
  absl::StatusOr<std::vector<double>> rotation =
      ProcrustesRotation(embeddings, reference);
  if (!rotation.ok()) return rotation.status();
  Rotate(embeddings, *rotation);
  return MeasureDrift(embeddings, reference);
}

}  // namespace n2v
