// Checks the instruction-set builds of the SGNS kernels: the entry points
// call the widest level this processor runs (read from CPUID, not from the
// dispatcher), and every level it can run
// (AVX-512, AVX2, baseline) writes bit-identical rows, loss and dots for
// the same window blocks and pairs, including repeated rows, 17 outputs
// (past every register block) and unpadded dimensions.
#include <cpuid.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "internal/sgns_kernel.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"

namespace n2v::internal {
namespace {

constexpr SimdLevel kLevels[] = {SimdLevel::kBaseline, SimdLevel::kAvx2,
                                 SimdLevel::kAvx512};

// What this processor and its operating system run, read from CPUID and
// XGETBV here rather than through the dispatcher's own check: AVX2 and FMA
// need the YMM state enabled, AVX-512F the opmask and ZMM states too.
SimdLevel WidestLevelByCpuid() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return SimdLevel::kBaseline;
  const bool fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  if (!osxsave) return SimdLevel::kBaseline;
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool ymm_state = (xcr0_lo & 0x6) == 0x6;
  const bool zmm_state = (xcr0_lo & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return SimdLevel::kBaseline;
  const bool avx2 = ebx & (1u << 5);
  const bool avx512f = ebx & (1u << 16);
  if (avx512f && avx2 && fma && zmm_state) return SimdLevel::kAvx512;
  if (avx2 && fma && ymm_state) return SimdLevel::kAvx2;
  return SimdLevel::kBaseline;
}

TEST(SimdDispatchTest, EntryPointsUseTheWidestLevelThisProcessorRuns) {
  const SimdLevel widest = WidestLevelByCpuid();
  std::cout << "[ simd     ] this processor runs up to " << SimdLevelName(widest)
            << "; the kernels dispatch to "
            << SimdLevelName(ActiveSimdLevel()) << "\n";
  EXPECT_EQ(ActiveSimdLevel(), widest);
  // The table the public entry points call through.
  EXPECT_EQ(&ActiveKernels(), &KernelsFor(widest));
  for (SimdLevel level : kLevels) {
    EXPECT_EQ(SimdLevelSupported(level), level <= widest) << SimdLevelName(level);
  }
  EXPECT_STREQ(SimdLevelName(SimdLevel::kAvx512), "avx512");
  EXPECT_STREQ(SimdLevelName(SimdLevel::kAvx2), "avx2");
  EXPECT_STREQ(SimdLevelName(SimdLevel::kBaseline), "baseline");
}

// One kernel run's inputs and everything it writes.
struct KernelRun {
  AlignedFloats in, out, scratch;
  LossSum loss;
  std::vector<float> dots;
};

struct Shape {
  std::string name;
  uint32_t dims, stride;
  std::vector<int> inputs, outputs;  // row indices; repeats allowed
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }

KernelRun MakeRun(const Shape& s, uint64_t seed) {
  KernelRun run{AlignedFloats(size_t{8} * s.stride), AlignedFloats(size_t{20} * s.stride),
          AlignedFloats(SgnsScratchFloats(static_cast<uint32_t>(s.inputs.size()),
                                          static_cast<uint32_t>(s.outputs.size()),
                                          s.stride)),
          LossSum{}, {}};
  Rng rng(seed);
  for (AlignedFloats* m : {&run.in, &run.out}) {
    for (size_t r = 0; r < m->size() / s.stride; ++r) {
      for (uint32_t i = 0; i < s.dims; ++i) {
        m->data()[r * s.stride + i] = (rng.UniformFloat() - 0.5f) * 2.0f;
      }
    }
  }
  return run;
}

// Applies the window kernel, then the pair kernel for every input, then
// dots of every input with every output row, all with `kernels`.
KernelRun Apply(const SgnsKernels& kernels, const Shape& s) {
  KernelRun run = MakeRun(s, 11);
  std::vector<float*> inputs, outputs;
  for (int j : s.inputs) inputs.push_back(run.in.data() + size_t(j) * s.stride);
  for (int k : s.outputs) outputs.push_back(run.out.data() + size_t(k) * s.stride);
  const auto num_in = static_cast<uint32_t>(inputs.size());
  const auto num_out = static_cast<uint32_t>(outputs.size());
  kernels.window_update(inputs.data(), num_in, outputs.data(), num_out, 0.3f,
                        s.stride, run.scratch.data(), &run.loss);
  for (float* input : inputs) {
    kernels.pair_update(input, outputs.data(), num_out, 0.2f, s.stride,
                        run.scratch.data(), &run.loss);
  }
  for (float* input : inputs) {
    for (float* output : outputs) {
      run.dots.push_back(kernels.padded_dot(input, output, s.stride));
    }
  }
  return run;
}

class SimdLevelsTest : public ::testing::TestWithParam<Shape> {};

TEST_P(SimdLevelsTest, EveryLevelWritesTheSameBits) {
  const Shape& s = GetParam();
  const KernelRun reference = Apply(KernelsFor(SimdLevel::kBaseline), s);
  int compared = 0;
  for (SimdLevel level : kLevels) {
    if (level == SimdLevel::kBaseline || !SimdLevelSupported(level)) continue;
    SCOPED_TRACE(SimdLevelName(level));
    const KernelRun run = Apply(KernelsFor(level), s);
    EXPECT_EQ(std::memcmp(run.in.data(), reference.in.data(),
                          run.in.size() * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(run.out.data(), reference.out.data(),
                          run.out.size() * sizeof(float)), 0);
    EXPECT_EQ(run.loss.sum, reference.loss.sum);
    EXPECT_EQ(run.loss.pairs, reference.loss.pairs);
    EXPECT_EQ(run.dots, reference.dots);
    ++compared;
  }
  // The kernels changed something (the comparison is not of untouched rows).
  const KernelRun untouched = MakeRun(s, 11);
  EXPECT_NE(std::memcmp(untouched.out.data(), reference.out.data(),
                        untouched.out.size() * sizeof(float)), 0);
  std::string ran = "baseline", not_run;
  for (SimdLevel level : kLevels) {
    if (level == SimdLevel::kBaseline) continue;
    std::string& list = SimdLevelSupported(level) ? ran : not_run;
    list += list.empty() ? "" : ", ";
    list += SimdLevelName(level);
  }
  std::cout << "[ simd     ] compared " << ran
            << (not_run.empty() ? "" : "; not run on this processor: ")
            << not_run << "\n";
  if (compared == 0) GTEST_SKIP() << "this processor runs only the baseline";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SimdLevelsTest,
    ::testing::Values(
        Shape{"d128_6_outputs", 128, 128, {0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 5}},
        Shape{"d20_padded_repeats", 20, 32, {0, 1, 0, 2}, {3, 4, 3}},
        Shape{"d100_17_outputs", 100, 112, {0, 1, 2, 3, 4, 5, 6, 7},
              {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
        Shape{"d16_one_pair", 16, 16, {7}, {19}}),
    [](const ::testing::TestParamInfo<Shape>& info) { return info.param.name; });

}  // namespace
}  // namespace n2v::internal
