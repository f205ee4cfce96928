// The per-instruction-set kernel tables that sgns_kernel_impl.inc defines
// (one translation unit each) and sgns_kernel.cc dispatches between.
#ifndef N2V_INTERNAL_SGNS_KERNEL_ISA_H_
#define N2V_INTERNAL_SGNS_KERNEL_ISA_H_

#include "internal/sgns_kernel.h"

namespace n2v::internal {
namespace baseline { extern const SgnsKernels kKernels; }
namespace avx2 { extern const SgnsKernels kKernels; }
namespace avx512 { extern const SgnsKernels kKernels; }
}  // namespace n2v::internal

#endif  // N2V_INTERNAL_SGNS_KERNEL_ISA_H_
