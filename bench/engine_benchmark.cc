// Micro-benchmarks: CSR build, walk steps on a power-law graph for several
// (p, q), one walk at a time and interleaved, and the SGNS kernels for every instruction set this processor
// runs (second argument: 0 baseline, 1 AVX2, 2 AVX-512). Run:
// build/bench/engine_benchmark.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "internal/sgns_kernel.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/random.h"
#include "n2v/walker.h"

namespace n2v {
namespace {

// Chung-Lu style power-law graph: endpoints drawn with probability
// proportional to (i + 1)^-0.8, seeded.
EdgeList PowerLawEdges(uint32_t nodes, uint64_t edges, uint64_t seed) {
  std::vector<double> cumulative(nodes);
  double total = 0;
  for (uint32_t i = 0; i < nodes; ++i) {
    total += std::pow(i + 1.0, -0.8);
    cumulative[i] = total;
  }
  Rng rng(seed);
  auto draw = [&] {
    const double u = rng.Uniform() * total;
    return static_cast<int64_t>(
        std::lower_bound(cumulative.begin(), cumulative.end(), u) -
        cumulative.begin());
  };
  EdgeList list;
  list.sources.reserve(edges);
  list.targets.reserve(edges);
  for (uint64_t e = 0; e < edges; ++e) {
    list.sources.push_back(draw());
    list.targets.push_back(draw());
  }
  return list;
}

const CsrGraph& SharedGraph() {
  static const CsrGraph* graph = [] {
    auto built = CsrGraph::Build(PowerLawEdges(100000, 1000000, 7), {});
    return new CsrGraph(std::move(built).value());
  }();
  return *graph;
}

void BM_GraphBuild(benchmark::State& state) {
  const EdgeList edges = PowerLawEdges(100000, state.range(0), 11);
  for (auto _ : state) {
    auto graph = CsrGraph::Build(edges, {});
    benchmark::DoNotOptimize(graph);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_GraphBuild)->Arg(1000000)->Unit(benchmark::kMillisecond);

// Walk nodes per second; args are p * 100, q * 100 and how many walks
// advance together (1: one at a time, which is what Walk does).
void BM_Walk(benchmark::State& state) {
  const CsrGraph& graph = SharedGraph();
  const WalkParams params{state.range(0) / 100.0, state.range(1) / 100.0, 80};
  const auto batch = static_cast<uint32_t>(state.range(2));
  auto walker = Node2VecWalker::Create(graph, params).value();
  std::vector<NodeIndex> nodes(size_t{batch} * params.walk_length);
  std::vector<NodeIndex*> walks;
  for (uint32_t b = 0; b < batch; ++b) {
    walks.push_back(nodes.data() + size_t{b} * params.walk_length);
  }
  std::vector<NodeIndex> starts(batch);
  std::vector<uint32_t> lengths(batch);
  std::vector<Rng> rngs;
  for (uint32_t b = 0; b < batch; ++b) rngs.emplace_back(b + 1);
  uint64_t walked = 0;
  NodeIndex start = 0;
  for (auto _ : state) {
    for (uint32_t b = 0; b < batch; ++b) {
      starts[b] = start;
      start = (start + 7919) % graph.num_nodes();
    }
    walker.WalkInterleaved(starts, rngs.data(), walks.data(), lengths.data());
    for (uint32_t b = 0; b < batch; ++b) walked += lengths[b];
  }
  state.SetItemsProcessed(walked);
}
BENCHMARK(BM_Walk)
    ->ArgNames({"p100", "q100", "together"})
    ->ArgsProduct({{100}, {100}, {1, 32}})
    ->ArgsProduct({{25}, {25, 400}, {1, 32}})
    ->ArgsProduct({{400}, {25}, {1, 32}})
    ->ArgsProduct({{5}, {2000}, {1, 32}});

// One window block: 20 contexts x (1 + 5) outputs, d = 128.
// The kernels of instruction-set level `arg` (see the file comment), or
// null when this processor cannot run them.
const internal::SgnsKernels* KernelsOrSkip(benchmark::State& state, int64_t arg) {
  const auto level = static_cast<internal::SimdLevel>(arg);
  if (!internal::SimdLevelSupported(level)) {
    state.SkipWithError("instruction set not supported here");
    return nullptr;
  }
  state.SetLabel(internal::SimdLevelName(level));
  return &internal::KernelsFor(level);
}

// Benchmark arguments: d in {128, 64} x every instruction-set level.
void KernelArgs(benchmark::internal::Benchmark* b) {
  for (int64_t dims : {128, 64}) {
    for (int64_t level : {0, 1, 2}) b->Args({dims, level});
  }
}

void BM_SgnsWindow(benchmark::State& state) {
  const internal::SgnsKernels* kernels = KernelsOrSkip(state, state.range(1));
  if (kernels == nullptr) return;
  const uint32_t dims = state.range(0);
  const uint32_t stride = PaddedDimension(dims);
  constexpr uint32_t kInputs = 20, kOutputs = 6;
  AlignedFloats in(kInputs * stride), out(kOutputs * stride),
      scratch(internal::SgnsScratchFloats(kInputs, kOutputs, stride));
  Rng rng(3);
  for (size_t i = 0; i < in.size(); ++i) in.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float*> inputs, outputs;
  for (uint32_t j = 0; j < kInputs; ++j) inputs.push_back(in.data() + j * stride);
  for (uint32_t k = 0; k < kOutputs; ++k) outputs.push_back(out.data() + k * stride);
  for (auto _ : state) {
    kernels->window_update(inputs.data(), kInputs, outputs.data(), kOutputs,
                           1e-6f, stride, scratch.data(), nullptr);
  }
  state.SetItemsProcessed(state.iterations() * kInputs);  // pairs
}
BENCHMARK(BM_SgnsWindow)->Apply(KernelArgs);

// The same 20 contexts trained pair by pair (the default training order).
void BM_SgnsPairs(benchmark::State& state) {
  const internal::SgnsKernels* kernels = KernelsOrSkip(state, state.range(1));
  if (kernels == nullptr) return;
  const uint32_t dims = state.range(0);
  const uint32_t stride = PaddedDimension(dims);
  constexpr uint32_t kInputs = 20, kOutputs = 6;
  AlignedFloats in(kInputs * stride), out(kOutputs * stride), g(64);
  Rng rng(3);
  for (size_t i = 0; i < in.size(); ++i) in.data()[i] = rng.UniformFloat() - 0.5f;
  std::vector<float*> outputs;
  for (uint32_t k = 0; k < kOutputs; ++k) outputs.push_back(out.data() + k * stride);
  for (auto _ : state) {
    for (uint32_t j = 0; j < kInputs; ++j) {
      kernels->pair_update(in.data() + j * stride, outputs.data(), kOutputs,
                           1e-6f, stride, g.data(), nullptr);
    }
  }
  state.SetItemsProcessed(state.iterations() * kInputs);  // pairs
}
BENCHMARK(BM_SgnsPairs)->Apply(KernelArgs);

}  // namespace
}  // namespace n2v

BENCHMARK_MAIN();
