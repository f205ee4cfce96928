// The per-instruction-set kernel tables that sgns_kernel_impl.inc defines
// (one translation unit each) and sgns_kernel.cc dispatches between.
#ifndef N2V_INTERNAL_SGNS_KERNEL_ISA_H_
#define N2V_INTERNAL_SGNS_KERNEL_ISA_H_

#include "internal/sgns_kernel.h"

namespace n2v::internal {

// sigmoid(x) sampled at kSigmoidPoints + 1 evenly spaced x in
// [-kSigmoidRange, kSigmoidRange] (computed once in double, in
// sgns_kernel.cc), read with linear interpolation by every build the same
// way, as word2vec reads its exp table: no exp or division on the path
// from one pair's dots to its update. Interpolation error below 2e-6;
// beyond the range the value is clamped (error below 5e-5).
inline constexpr int kSigmoidPoints = 2048;
inline constexpr float kSigmoidRange = 10.0f;
extern const float* const kSigmoidTable;

namespace baseline { extern const SgnsKernels kKernels; }
namespace avx2 { extern const SgnsKernels kKernels; }
namespace avx512 { extern const SgnsKernels kKernels; }
}  // namespace n2v::internal

#endif  // N2V_INTERNAL_SGNS_KERNEL_ISA_H_
