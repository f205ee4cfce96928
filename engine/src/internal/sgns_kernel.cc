// Picks the widest instruction set this processor supports for the SGNS
// kernels, once, and forwards the public kernel functions to it.
#include "internal/sgns_kernel.h"

#include <cmath>

#include "internal/sgns_kernel_isa.h"

namespace n2v::internal {
namespace {

struct SigmoidSamples {
  SigmoidSamples() {
    for (int i = 0; i <= kSigmoidPoints; ++i) {
      const double x = -kSigmoidRange + 2.0 * kSigmoidRange * i / kSigmoidPoints;
      values[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    }
    values[kSigmoidPoints + 1] = values[kSigmoidPoints];  // read past the end
  }
  alignas(64) float values[kSigmoidPoints + 2];
};
const SigmoidSamples kSigmoidSamples;

SimdLevel DetectSimdLevel() {
  if (SimdLevelSupported(SimdLevel::kAvx512)) return SimdLevel::kAvx512;
  if (SimdLevelSupported(SimdLevel::kAvx2)) return SimdLevel::kAvx2;
  return SimdLevel::kBaseline;
}

}  // namespace

const float* const kSigmoidTable = kSigmoidSamples.values;

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return "avx512";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kBaseline: break;
  }
  return "baseline";
}

bool SimdLevelSupported(SimdLevel level) {
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma");
    case SimdLevel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::kBaseline: break;
  }
  return true;
}

SimdLevel ActiveSimdLevel() {
  static const SimdLevel level = DetectSimdLevel();
  return level;
}

const SgnsKernels& ActiveKernels() {
  static const SgnsKernels& kernels = KernelsFor(ActiveSimdLevel());
  return kernels;
}

const SgnsKernels& KernelsFor(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return avx512::kKernels;
    case SimdLevel::kAvx2: return avx2::kKernels;
    case SimdLevel::kBaseline: break;
  }
  return baseline::kKernels;
}

void SgnsWindowUpdate(float* const* inputs, uint32_t num_inputs,
                      float* const* outputs, uint32_t num_outputs, float lr,
                      uint32_t stride, float* scratch, LossSum* loss) {
  ActiveKernels().window_update(inputs, num_inputs, outputs, num_outputs, lr, stride,
                         scratch, loss);
}

void SgnsPairUpdate(float* input, float* const* outputs, uint32_t num_outputs,
                    float lr, uint32_t stride, float* g, LossSum* loss) {
  ActiveKernels().pair_update(input, outputs, num_outputs, lr, stride, g, loss);
}

float PaddedDot(const float* a, const float* b, uint32_t stride) {
  return ActiveKernels().padded_dot(a, b, stride);
}

}  // namespace n2v::internal
