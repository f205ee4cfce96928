// Tests for the edge feature operators: exact values of all six on known
// vectors, widths, operator names, and the errors (unknown ids, mismatched
// columns, wrong output size) that must leave the output untouched.
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/edge_features.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::Message;

// Three nodes of dimension 3: a = (1, -2, 3), b = (4, 0.5, 2), z = 0.
Embeddings ThreeNodes() {
  absl::StatusOr<Embeddings> e = Embeddings::FromRows(
      {10, -3, 7}, 3, std::vector<float>{1, -2, 3, 4, 0.5f, 2, 0, 0, 0});
  EXPECT_TRUE(e.ok()) << e.status();
  return *std::move(e);
}

struct OperatorCase {
  EdgeOperator op;
  std::vector<float> expected;  // for the pairs (10, -3) and (-3, 10)
};

TEST(EdgeFeaturesTest, OperatorsOnKnownVectors) {
  const double cosine = 9.0 / (std::sqrt(14.0) * std::sqrt(20.25));
  const std::vector<OperatorCase> cases = {
      {EdgeOperator::kAverage, {2.5f, -0.75f, 2.5f, 2.5f, -0.75f, 2.5f}},
      {EdgeOperator::kHadamard, {4, -1, 6, 4, -1, 6}},
      {EdgeOperator::kWeightedL1, {3, 2.5f, 1, 3, 2.5f, 1}},
      {EdgeOperator::kWeightedL2, {9, 6.25f, 1, 9, 6.25f, 1}},
      {EdgeOperator::kDot, {9, 9}},
      {EdgeOperator::kCosine,
       {static_cast<float>(cosine), static_cast<float>(cosine)}},
  };
  const Embeddings e = ThreeNodes();
  const std::vector<int64_t> sources = {10, -3}, targets = {-3, 10};
  for (const OperatorCase& c : cases) {
    SCOPED_TRACE(std::string(EdgeOperatorName(c.op)));
    absl::StatusOr<std::vector<float>> out =
        ComputeEdgeFeatures(e, sources, targets, c.op);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), c.expected.size());
    for (size_t i = 0; i < c.expected.size(); ++i) {
      EXPECT_FLOAT_EQ((*out)[i], c.expected[i]) << i;
    }
  }
}

TEST(EdgeFeaturesTest, SelfPairsAndZeroVectors) {
  const Embeddings e = ThreeNodes();
  const std::vector<int64_t> sources = {10, 10, 7}, targets = {10, 7, 7};
  absl::StatusOr<std::vector<float>> cosine =
      ComputeEdgeFeatures(e, sources, targets, EdgeOperator::kCosine);
  ASSERT_TRUE(cosine.ok());
  EXPECT_FLOAT_EQ((*cosine)[0], 1.0f);
  EXPECT_EQ((*cosine)[1], 0.0f);  // a zero vector has cosine 0, not NaN
  EXPECT_EQ((*cosine)[2], 0.0f);
  absl::StatusOr<std::vector<float>> l1 =
      ComputeEdgeFeatures(e, sources, targets, EdgeOperator::kWeightedL1);
  ASSERT_TRUE(l1.ok());
  EXPECT_EQ(*l1, (std::vector<float>{0, 0, 0, 1, 2, 3, 0, 0, 0}));
  absl::StatusOr<std::vector<float>> dot =
      ComputeEdgeFeatures(e, sources, targets, EdgeOperator::kDot);
  ASSERT_TRUE(dot.ok());
  EXPECT_EQ(*dot, (std::vector<float>{14, 0, 0}));
}

TEST(EdgeFeaturesTest, EmptyPairList) {
  const Embeddings e = ThreeNodes();
  absl::StatusOr<std::vector<float>> out =
      ComputeEdgeFeatures(e, {}, {}, EdgeOperator::kHadamard);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->empty());
}

TEST(EdgeFeaturesTest, Widths) {
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kAverage, 128), 128u);
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kHadamard, 7), 7u);
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kWeightedL1, 64), 64u);
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kWeightedL2, 3), 3u);
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kCosine, 128), 1u);
  EXPECT_EQ(EdgeFeatureWidth(EdgeOperator::kDot, 128), 1u);
}

TEST(EdgeFeaturesTest, ParseAcceptsSpellings) {
  const std::vector<std::pair<std::string, EdgeOperator>> cases = {
      {"average", EdgeOperator::kAverage},
      {"AVERAGE", EdgeOperator::kAverage},
      {"avg", EdgeOperator::kAverage},
      {"mean", EdgeOperator::kAverage},
      {"hadamard", EdgeOperator::kHadamard},
      {"Hadamard", EdgeOperator::kHadamard},
      {"weighted-l1", EdgeOperator::kWeightedL1},
      {"weighted_l1", EdgeOperator::kWeightedL1},
      {"Weighted_L1", EdgeOperator::kWeightedL1},
      {"l1", EdgeOperator::kWeightedL1},
      {"L1", EdgeOperator::kWeightedL1},
      {"weighted-l2", EdgeOperator::kWeightedL2},
      {"WEIGHTED_L2", EdgeOperator::kWeightedL2},
      {"l2", EdgeOperator::kWeightedL2},
      {"cosine", EdgeOperator::kCosine},
      {"COSINE", EdgeOperator::kCosine},
      {"dot", EdgeOperator::kDot},
      {"Dot", EdgeOperator::kDot},
  };
  for (const auto& [name, op] : cases) {
    absl::StatusOr<EdgeOperator> parsed = ParseEdgeOperator(name);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(*parsed, op) << name;
  }
  // Canonical names round-trip.
  for (EdgeOperator op :
       {EdgeOperator::kAverage, EdgeOperator::kHadamard, EdgeOperator::kWeightedL1,
        EdgeOperator::kWeightedL2, EdgeOperator::kCosine, EdgeOperator::kDot}) {
    absl::StatusOr<EdgeOperator> parsed = ParseEdgeOperator(EdgeOperatorName(op));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, op);
  }
  EXPECT_EQ(EdgeOperatorName(EdgeOperator::kWeightedL1), "weighted-l1");
}

TEST(EdgeFeaturesTest, ParseRejectsUnknownNames) {
  for (const std::string name : {"sum", "", "weighted-l3", "l1 ", "hadamard2"}) {
    absl::StatusOr<EdgeOperator> parsed = ParseEdgeOperator(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(parsed.status()),
              "unknown edge operator '" + name +
                  "' (expected average, hadamard, weighted-l1, weighted-l2, "
                  "cosine or dot)");
  }
}

struct ErrorCase {
  std::string name;
  std::vector<int64_t> sources, targets;
  size_t out_size;
  absl::StatusCode code;
  std::string message;
};

TEST(EdgeFeaturesTest, ErrorsWriteNothing) {
  const Embeddings e = ThreeNodes();
  const std::vector<ErrorCase> cases = {
      {"unknown_target_last", {10, -3, 7}, {-3, 10, 99}, 9,
       absl::StatusCode::kNotFound,
       "node id 99 (target of pair 2) has no embedding"},
      {"unknown_source", {10, -4}, {-3, 10}, 6, absl::StatusCode::kNotFound,
       "node id -4 (source of pair 1) has no embedding"},
      {"mismatched_columns", {10, -3}, {-3}, 6,
       absl::StatusCode::kInvalidArgument,
       "pair columns differ in length: 2 sources, 1 targets"},
      {"output_too_small", {10, -3}, {-3, 10}, 5,
       absl::StatusCode::kInvalidArgument,
       "output holds 5 floats, expected 6"},
      {"output_too_big", {10}, {-3}, 4, absl::StatusCode::kInvalidArgument,
       "output holds 4 floats, expected 3"},
  };
  constexpr float kSentinel = -12345.0f;
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<float> out(c.out_size, kSentinel);
    const absl::Status status = ComputeEdgeFeatures(
        e, c.sources, c.targets, EdgeOperator::kHadamard, std::span<float>(out));
    EXPECT_EQ(status.code(), c.code);
    EXPECT_EQ(Message(status), c.message);
    for (float x : out) EXPECT_EQ(x, kSentinel);
    // The allocating form reports the same error.
    if (c.out_size == c.sources.size() * 3) {
      absl::StatusOr<std::vector<float>> alloc =
          ComputeEdgeFeatures(e, c.sources, c.targets, EdgeOperator::kHadamard);
      ASSERT_FALSE(alloc.ok());
      EXPECT_EQ(Message(alloc.status()), c.message);
    }
  }
}

// Many pairs, so the parallel loop splits; every thread count gives the same
// floats, and each row matches a direct computation.
TEST(EdgeFeaturesTest, ManyPairsAnyThreadCount) {
  constexpr uint32_t kNodes = 300, kDims = 20;
  std::vector<int64_t> ids(kNodes);
  std::vector<float> values(kNodes * kDims);
  Rng rng(4);
  for (uint32_t v = 0; v < kNodes; ++v) ids[v] = int64_t{v} * 1000003 - 7;
  for (float& x : values) x = rng.UniformFloat() - 0.5f;
  absl::StatusOr<Embeddings> e = Embeddings::FromRows(ids, kDims, values);
  ASSERT_TRUE(e.ok());
  std::vector<int64_t> sources(5000), targets(5000);
  for (size_t i = 0; i < sources.size(); ++i) {
    sources[i] = ids[rng.Below(kNodes)];
    targets[i] = ids[rng.Below(kNodes)];
  }
  absl::StatusOr<std::vector<float>> one =
      ComputeEdgeFeatures(*e, sources, targets, EdgeOperator::kWeightedL2, 1);
  ASSERT_TRUE(one.ok());
  for (int threads : {2, 8}) {
    absl::StatusOr<std::vector<float>> many = ComputeEdgeFeatures(
        *e, sources, targets, EdgeOperator::kWeightedL2, threads);
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(*one, *many) << threads << " threads";
  }
  for (size_t i = 0; i < sources.size(); i += 97) {
    const auto a = e->row(*e->Find(sources[i]));
    const auto b = e->row(*e->Find(targets[i]));
    for (uint32_t k = 0; k < kDims; ++k) {
      const float diff = a[k] - b[k];
      EXPECT_EQ((*one)[i * kDims + k], diff * diff);
    }
  }
}

}  // namespace
}  // namespace n2v
