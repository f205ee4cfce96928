// Helpers shared by the engine tests: scratch directories, small files, graph
// construction, a chi-square goodness-of-fit test and a community margin.
#ifndef N2V_TESTS_ENGINE_TEST_UTIL_H_
#define N2V_TESTS_ENGINE_TEST_UTIL_H_

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"

namespace n2v::testing {

// A fresh directory under the GoogleTest temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "n2v_test_XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

  // Writes `contents` byte for byte and returns the file's path.
  std::string Write(const std::string& name, const std::string& contents) const {
    const std::string file = File(name);
    std::ofstream out(file, std::ios::binary);
    out << contents;
    EXPECT_TRUE(out.good()) << file;
    return file;
  }

 private:
  std::string path_;
};

// The names in `dir`, sorted.
inline std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A status message as std::string, so GoogleTest prints it readably (this
// Abseil has its own string_view).
inline std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

// Builds a graph or fails the test.
inline CsrGraph BuildOrDie(EdgeList edges, bool directed, int num_threads = 0) {
  GraphBuildOptions options;
  options.directed = directed;
  options.num_threads = num_threads;
  absl::StatusOr<CsrGraph> graph = CsrGraph::Build(std::move(edges), options);
  if (!graph.ok()) {
    ADD_FAILURE() << graph.status();
    std::abort();
  }
  return *std::move(graph);
}

// Upper standard normal quantiles for common tail probabilities.
inline constexpr double kZ1e4 = 3.7190164854556804;
inline constexpr double kZ1e6 = 4.7534243088228987;

// Upper quantile of chi-square with `df` degrees of freedom at the tail
// probability whose normal quantile is `z`, by the Wilson-Hilferty cube
// approximation (slightly conservative for df = 1).
inline double ChiSquareCritical(int df, double z) {
  const double k = df;
  const double c = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * c * c * c;
}

struct ChiSquare {
  double statistic = 0;
  int df = 0;
  double critical = 0;
  bool pass() const {
    return std::isfinite(statistic) && (df == 0 || statistic < critical);
  }
};

// Pearson's test of `counts` against `probs` (which sum to 1) at tail
// probability 1e-4 (or the one of `z`). Bins expected to hold fewer than 5
// draws are pooled so the chi-square law applies; a draw in a bin of
// probability 0 fails the test outright.
inline ChiSquare ChiSquareTest(const std::vector<uint64_t>& counts,
                               const std::vector<double>& probs,
                               double z = kZ1e4) {
  EXPECT_EQ(counts.size(), probs.size());
  uint64_t n = 0;
  for (uint64_t c : counts) n += c;
  ChiSquare result;
  double pooled_expected = 0, pooled_observed = 0;
  int bins = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = probs[i] * static_cast<double>(n);
    if (probs[i] == 0) {
      if (counts[i] != 0) result.statistic = INFINITY;
      continue;
    }
    if (expected < 5) {
      pooled_expected += expected;
      pooled_observed += counts[i];
      continue;
    }
    const double diff = counts[i] - expected;
    result.statistic += diff * diff / expected;
    ++bins;
  }
  if (pooled_expected > 0) {
    const double diff = pooled_observed - pooled_expected;
    result.statistic += diff * diff / pooled_expected;
    ++bins;
  }
  result.df = bins - 1;
  result.critical = result.df > 0 ? ChiSquareCritical(result.df, z) : 0;
  return result;
}

inline double Cosine(std::span<const float> a, std::span<const float> b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
  }
  return dot / std::sqrt(na * nb);
}

// Mean cosine of same-community pairs of rows minus that of cross-community
// pairs; `community` is indexed by node id.
inline double CommunityMargin(const Embeddings& e,
                              const std::vector<int>& community) {
  double same = 0, cross = 0;
  uint64_t num_same = 0, num_cross = 0;
  for (size_t u = 0; u < e.size(); ++u) {
    for (size_t v = u + 1; v < e.size(); ++v) {
      const double c = Cosine(e.row(u), e.row(v));
      if (community[e.id(u)] == community[e.id(v)]) {
        same += c;
        ++num_same;
      } else {
        cross += c;
        ++num_cross;
      }
    }
  }
  return same / num_same - cross / num_cross;
}

}  // namespace n2v::testing

#endif  // N2V_TESTS_ENGINE_TEST_UTIL_H_
