// The SGNS kernels built for AVX2 and FMA (x86-64-v3: Haswell, Zen 1 and later).
#define N2V_SGNS_ISA avx2
#define N2V_SGNS_TARGET "avx2,fma"
#define N2V_SGNS_REGISTERS_PER_VEC16 2
#include "internal/sgns_kernel_impl.inc"
