// Reembed, the one home of re-embedding policy: alignment turns both
// matrices, the warm learning rate and its overrides, the incremental start
// set and its threshold, the nothing-changed shortcut, and validation.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/random.h"
#include "n2v/reembed.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::Message;

EdgeList RingWithChords(int64_t nodes) {
  EdgeList edges;
  for (int64_t v = 0; v < nodes; ++v) {
    edges.sources.push_back(v);
    edges.targets.push_back((v + 1) % nodes);
    edges.sources.push_back(v);
    edges.targets.push_back((v * 7 + 3) % nodes);
  }
  return edges;
}

EmbedOptions Small() {
  EmbedOptions o;
  o.dimensions = 16;
  o.walks_per_node = 4;
  o.walk.walk_length = 20;
  o.window = 4;
  o.deterministic = true;
  o.keep_context = true;
  return o;
}

// Input-context dot products of a result: what skip-gram's loss reads.
std::vector<double> InputContextDots(const EmbedResult& r) {
  std::vector<double> dots;
  for (size_t u = 0; u < r.embeddings.size(); u += 7) {
    for (size_t v = 0; v < r.context.size(); v += 5) {
      double dot = 0;
      for (uint32_t i = 0; i < r.embeddings.dimensions(); ++i) {
        dot += double{r.embeddings.row(u)[i]} * r.context.row(v)[i];
      }
      dots.push_back(dot);
    }
  }
  return dots;
}

// Regression: the CLI rotated the input vectors onto the reference but left
// the context vectors in the old frame, so the written pair no longer fit
// together. Reembed turns both by the same rotation: every input-context
// dot product is what it was before alignment.
TEST(ReembedTest, AlignmentTurnsTheContextVectorsToo) {
  const CsrGraph g = BuildOrDie(RingWithChords(120), /*directed=*/false);
  EmbedOptions o = Small();
  o.seed = 11;
  const EmbedResult reference = Embed(g, o).value();
  o.seed = 12;
  ReembedOptions unaligned;
  unaligned.warm_start = false;
  unaligned.align = false;
  ReembedOptions aligned;
  aligned.warm_start = false;
  aligned.align = true;
  const PreviousEmbedding previous{.vectors = &reference.embeddings};
  const ReembedResult plain = Reembed(g, o, unaligned, previous).value();
  const ReembedResult turned = Reembed(g, o, aligned, previous).value();
  ASSERT_FALSE(plain.report.aligned);
  ASSERT_TRUE(turned.report.aligned);
  const std::vector<double> before = InputContextDots(plain.embed);
  const std::vector<double> after = InputContextDots(turned.embed);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_NEAR(after[i], before[i], 1e-4 * (1 + std::fabs(before[i]))) << i;
  }
  // The rotation did move the vectors (else the check proves nothing).
  double moved = 0;
  for (uint32_t k = 0; k < o.dimensions; ++k) {
    moved += std::fabs(turned.embed.embeddings.row(0)[k] -
                       plain.embed.embeddings.row(0)[k]);
  }
  EXPECT_GT(moved, 1e-3);
}

TEST(ReembedTest, WarmStartsTrainAtTheWarmRateUnlessOneIsChosen) {
  const Embeddings previous_vectors =
      Embeddings::FromRows({1, 2}, 16, std::vector<float>(32, 0.1f)).value();
  const PreviousEmbedding previous{.vectors = &previous_vectors};
  EmbedOptions o = Small();
  ReembedOptions warm;
  EmbedOptions resolved = ResolveReembedOptions(o, warm, previous);
  EXPECT_FLOAT_EQ(resolved.initial_learning_rate, kWarmLearningRate);
  EXPECT_FLOAT_EQ(resolved.min_learning_rate, kWarmMinLearningRate);
  EXPECT_EQ(resolved.initial, &previous_vectors);
  EXPECT_TRUE(resolved.keep_context);
  EXPECT_TRUE(WillAlign(warm));

  o.initial_learning_rate = 0.01f;
  warm.learning_rate_chosen = true;
  resolved = ResolveReembedOptions(o, warm, previous);
  EXPECT_FLOAT_EQ(resolved.initial_learning_rate, 0.01f);
  EXPECT_FLOAT_EQ(resolved.min_learning_rate, EmbedOptions{}.min_learning_rate);

  // No previous vectors: a first run, at the normal rates.
  resolved = ResolveReembedOptions(Small(), ReembedOptions{}, PreviousEmbedding{});
  EXPECT_FLOAT_EQ(resolved.initial_learning_rate, EmbedOptions{}.initial_learning_rate);
  EXPECT_EQ(resolved.initial, nullptr);
  EXPECT_TRUE(resolved.keep_context);  // the next run warm-starts from it

  ReembedOptions cold;
  cold.warm_start = false;
  EXPECT_FALSE(WillAlign(cold));
  resolved = ResolveReembedOptions(Small(), cold, previous);
  EXPECT_EQ(resolved.initial, nullptr);
  EXPECT_FLOAT_EQ(resolved.initial_learning_rate, EmbedOptions{}.initial_learning_rate);
}

// Incremental runs walk from the changed and the new nodes while they are
// at most max_changed_fraction of the graph, the whole graph otherwise,
// and nothing at all when nothing changed and both matrices are known.
TEST(ReembedTest, IncrementalStartsAndTheirThreshold) {
  const CsrGraph g = BuildOrDie(RingWithChords(100), /*directed=*/false);
  EmbedOptions o = Small();
  const EmbedResult first = Embed(g, o).value();
  ReembedOptions incremental;
  incremental.incremental = true;

  std::vector<int64_t> few = {3, 4, 5};
  PreviousEmbedding previous{.vectors = &first.embeddings,
                             .context = &first.context,
                             .changed_nodes = &few};
  ReembedResult r = Reembed(g, o, incremental, previous).value();
  EXPECT_TRUE(r.report.incremental);
  EXPECT_EQ(r.report.walk_start_nodes, 3u);
  EXPECT_EQ(r.embed.stats.walks, 3u * o.walks_per_node);
  EXPECT_EQ(r.report.drift_measured_nodes, 97u);

  std::vector<int64_t> many;
  for (int64_t id = 0; id < 11; ++id) many.push_back(id);  // 11% > 10%
  previous.changed_nodes = &many;
  r = Reembed(g, o, incremental, previous).value();
  EXPECT_FALSE(r.report.incremental);
  EXPECT_EQ(r.report.walk_start_nodes, 100u);
  incremental.max_changed_fraction = 0.2;
  r = Reembed(g, o, incremental, previous).value();
  EXPECT_TRUE(r.report.incremental);
  EXPECT_EQ(r.report.walk_start_nodes, 11u);

  const std::vector<int64_t> none;
  previous.changed_nodes = &none;
  r = Reembed(g, o, incremental, previous).value();
  EXPECT_TRUE(r.report.incremental);
  EXPECT_EQ(r.report.walk_start_nodes, 0u);
  EXPECT_EQ(r.report.drift.mean, 0.0);
  for (size_t row = 0; row < r.embed.embeddings.size(); ++row) {
    const auto was = first.embeddings.row(*first.embeddings.Find(r.embed.embeddings.id(row)));
    EXPECT_TRUE(std::equal(was.begin(), was.end(), r.embed.embeddings.row(row).begin()));
  }

  // Not knowing what changed: the whole graph.
  previous.changed_nodes = nullptr;
  r = Reembed(g, o, incremental, previous).value();
  EXPECT_FALSE(r.report.incremental);
  EXPECT_EQ(r.report.walk_start_nodes, 100u);
}

TEST(ReembedTest, BadOptionsNameTheCallersFields) {
  const CsrGraph g = BuildOrDie(RingWithChords(20), /*directed=*/false);
  const Embeddings eight =
      Embeddings::FromRows({1}, 8, std::vector<float>(8, 0.1f)).value();
  const OptionNames names{.dimensions = "--dimensions",
                          .warm_start = "--init",
                          .align = "--align-to",
                          .incremental = "--incremental",
                          .max_changed_fraction = "--fraction",
                          .previous_vectors = "its vectors"};
  ReembedOptions r;
  r.warm_start = false;
  r.incremental = true;
  EXPECT_EQ(Message(Reembed(g, Small(), r, {}, {}, names).status()),
            "--incremental needs --init");
  r = ReembedOptions{};
  r.max_changed_fraction = 0;
  EXPECT_EQ(Message(Reembed(g, Small(), r, {}, {}, names).status()),
            "--fraction must be in (0, 1], got 0");
  r = ReembedOptions{};
  EXPECT_EQ(Message(Reembed(g, Small(), r, {.vectors = &eight}, {}, names).status()),
            "--init: its vectors have 8 dimensions but --dimensions is 16");
  r.warm_start = false;
  r.align = true;
  EXPECT_EQ(Message(Reembed(g, Small(), r, {.vectors = &eight}, {}, names).status()),
            "--align-to: its vectors have 8 dimensions but --dimensions is 16");
}

}  // namespace
}  // namespace n2v
