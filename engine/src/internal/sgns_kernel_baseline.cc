// The SGNS kernels built for SSE2, which every x86-64 processor has; FMA through libm's exact fmaf.
#define N2V_SGNS_ISA baseline
#define N2V_SGNS_REGISTERS_PER_VEC16 4
#include "internal/sgns_kernel_impl.inc"
