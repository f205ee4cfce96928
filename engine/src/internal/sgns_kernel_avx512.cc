// The SGNS kernels built for AVX-512F (Skylake-SP, Ice Lake, Zen 4 and later).
#define N2V_SGNS_ISA avx512
#define N2V_SGNS_TARGET "avx512f,avx2,fma"
#define N2V_SGNS_REGISTERS_PER_VEC16 1
#include "internal/sgns_kernel_impl.inc"
