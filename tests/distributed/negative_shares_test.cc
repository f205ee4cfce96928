// NegativeShares: over a wave, each node draws the share of the negatives
// that the global noise law gives it, however the blocks split the
// centres and the noise mass; one rank draws exactly the option's
// negatives with one machine's streams; the masses are agreed on every
// rank.
#include "distributed/negative_shares.h"

#include <cmath>
#include <limits>
#include <vector>

#include "distributed/context_block.h"
#include "gtest/gtest.h"
#include "internal/sampling_rules.h"
#include "n2v/random.h"

namespace n2v::testing {
namespace {

using distributed::ContextBlock;
using distributed::ForEachNegative;
using distributed::NegativeCount;
using distributed::NegativeShares;

constexpr uint32_t kNegatives = 5;

// A star's occurrence counts in walks that alternate hub and leaf: the
// hub (node 0) holds half of them, each of `leaves` leaves an equal part.
struct Star {
  uint32_t leaves;
  uint64_t hub_count;
  uint64_t leaf_count;
  uint64_t centres() const { return hub_count + uint64_t{leaves} * leaf_count; }
  double weight(uint32_t node) const {
    return internal::NoiseWeight(node == 0 ? hub_count : leaf_count, 0.75);
  }
};

// Block b of `blocks` holds the nodes v with v % blocks == b, so block 0
// holds the hub and the centres it is half of.
std::vector<uint32_t> NodesOfBlock(const Star& star, int b, int blocks) {
  std::vector<uint32_t> nodes;
  for (uint32_t v = b; v <= star.leaves; v += blocks) nodes.push_back(v);
  return nodes;
}

TEST(NegativeSharesTest, EachNodeDrawsTheGlobalLawsShareOverAWave) {
  const Star star{1000, 40000, 40};
  for (const int blocks : {2, 4}) {
    std::vector<std::vector<uint32_t>> nodes;
    std::vector<double> mass;
    std::vector<ContextBlock> held;
    double total_mass = 0;
    for (int b = 0; b < blocks; ++b) {
      nodes.push_back(NodesOfBlock(star, b, blocks));
      std::vector<double> noise;
      for (uint32_t v : nodes[b]) noise.push_back(star.weight(v));
      double sum = 0;
      for (double w : noise) sum += w;
      mass.push_back(sum);
      total_mass += sum;
      held.emplace_back(b, 1, noise, noise.size());
    }
    const NegativeShares shares(mass);
    // Every block's centres draw their negatives from that block.
    std::vector<double> drawn(star.leaves + 1, 0.0);
    Rng rng(7);
    for (int b = 0; b < blocks; ++b) {
      uint64_t centres = 0;
      for (uint32_t v : nodes[b]) centres += v == 0 ? star.hub_count : star.leaf_count;
      const double expected = shares.Expected(kNegatives, b, centres, star.centres());
      for (uint64_t c = 0; c < centres; ++c) {
        ForEachNegative(held[b], expected, rng,
                        [&](uint32_t row) { drawn[nodes[b][row]] += 1; });
      }
    }
    // One machine: kNegatives per centre, node v with weight(v) / mass.
    const double all = static_cast<double>(kNegatives) * star.centres();
    for (int b = 0; b < blocks; ++b) {
      double leaves_drawn = 0, leaves_law = 0;
      for (uint32_t v : nodes[b]) {
        if (v == 0) continue;
        leaves_drawn += drawn[v];
        leaves_law += all * star.weight(v) / total_mass;
      }
      EXPECT_NEAR(leaves_drawn / leaves_law, 1.0, 0.02)
          << "leaves of block " << b << " of " << blocks;
    }
    EXPECT_NEAR(drawn[0] / (all * star.weight(0) / total_mass), 1.0, 0.02)
        << "the hub, " << blocks << " blocks";
  }
}

TEST(NegativeSharesTest, OneBlockDrawsTheOptionsNegativesAndNoRandomNumber) {
  const NegativeShares one({12.5});
  EXPECT_EQ(one.Expected(kNegatives, 0, 77, 77), kNegatives);
  Rng rng(3), untouched(3);
  EXPECT_EQ(NegativeCount(one.Expected(kNegatives, 0, 77, 77), rng), kNegatives);
  EXPECT_EQ(rng.Next(), untouched.Next());
}

TEST(NegativeSharesTest, WithoutNoiseMassOrCentresOrWhenItOverflowsTheOptionStands) {
  EXPECT_EQ(NegativeShares({0.0, 0.0}).Expected(kNegatives, 1, 10, 20), kNegatives);
  EXPECT_EQ(NegativeShares({1.0, 3.0}).Expected(kNegatives, 1, 0, 20), kNegatives);
  // negative_exponent 1000: counts to that power overflow.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(NegativeShares({inf, 3.0}).Expected(kNegatives, 1, 10, 20), kNegatives);
  EXPECT_EQ(NegativeShares({inf, inf}).Expected(kNegatives, 0, 10, 20), kNegatives);
}

TEST(NegativeSharesTest, ABlockWithFewCentresDrawsAtMostTheCap) {
  // A quarter of the mass, one centre in a thousand: 250 times the
  // option's negatives uncapped.
  const NegativeShares shares({3.0, 1.0});
  EXPECT_EQ(shares.Expected(kNegatives, 1, 1, 1000),
            kNegatives * kMaxDistributedNegativeScale);
  EXPECT_DOUBLE_EQ(shares.Expected(kNegatives, 0, 500, 1000), kNegatives * 1.5);
}

TEST(NegativeSharesTest, AFractionRoundsUpAsOftenAsItsSize) {
  Rng rng(11);
  uint64_t sum = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    const uint32_t n = NegativeCount(2.3, rng);
    ASSERT_TRUE(n == 2 || n == 3) << n;
    sum += n;
  }
  EXPECT_NEAR(static_cast<double>(sum) / kDraws, 2.3, 0.005);
}

TEST(NegativeSharesTest, EveryRankAgreesOnEveryBlocksMass) {
  const distributed::Communicator comm = distributed::Communicator::World();
  // Rank r's rows weigh 1, 2, ..., r + 1.
  std::vector<double> own;
  for (int i = 0; i <= comm.rank(); ++i) own.push_back(i + 1.0);
  auto shares = NegativeShares::Agree(comm, own);
  ASSERT_TRUE(shares.ok()) << shares.status();
  // Every rank holds an even share of the centres: rank r's block then
  // draws in proportion to its mass, (r + 1)(r + 2) / 2.
  const int ranks = comm.size();
  double total = 0;
  for (int r = 0; r < ranks; ++r) total += (r + 1.0) * (r + 2.0) / 2;
  for (int r = 0; r < ranks; ++r) {
    const double share = (r + 1.0) * (r + 2.0) / 2 / total;
    const double expected =
        std::min(kMaxDistributedNegativeScale, share * ranks) * kNegatives;
    EXPECT_DOUBLE_EQ(shares->Expected(kNegatives, r, 10, 10 * ranks), expected)
        << "block " << r;
  }
}

}  // namespace
}  // namespace n2v::testing
