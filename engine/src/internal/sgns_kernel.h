// The skip-gram negative-sampling updates (Mikolov et al., 2013) for a
// centre node, its contexts and negatives shared by the whole window as in
// Ji et al., "Parallelizing Word2Vec in Shared and Distributed Memory"
// (2016), so the rows stay in L1 cache instead of one random row fetch per
// (pair, negative): SgnsPairUpdate trains one pair (the default, pair after
// pair), SgnsWindowUpdate the whole window as one block (--batch-windows).
//
// Rows are padded to multiples of 16 floats. Dot products keep 16 partial
// sums reduced in a fixed order and the kernels are compiled without
// floating-point contraction, so the AVX-512, AVX2 and baseline builds
// (sgns_kernel_impl.inc, one per instruction set, chosen at run time by
// sgns_kernel.cc) produce bit-identical results.
#ifndef N2V_INTERNAL_SGNS_KERNEL_H_
#define N2V_INTERNAL_SGNS_KERNEL_H_

#include <cstddef>
#include <cstdint>

namespace n2v::internal {

// Loss and pair counts for sampled loss reporting.
// Skip-gram loss: `sum` over the `pairs` whose loss was computed (one
// centre in kLossSampleEvery), and every pair trained (`trained_pairs`), so
// that sum / pairs * trained_pairs estimates the loss over all of them.
struct LossSum {
  double sum = 0;
  uint64_t pairs = 0;
  uint64_t trained_pairs = 0;

  void Add(const LossSum& other) {
    sum += other.sum;
    pairs += other.pairs;
    trained_pairs += other.trained_pairs;
  }
};

// Floats of scratch space SgnsWindowUpdate needs.
inline size_t SgnsScratchFloats(uint32_t max_inputs, uint32_t max_outputs,
                                uint32_t stride) {
  return (size_t{max_inputs} + max_outputs) * stride +
         size_t{max_inputs} * max_outputs;
}

// One simultaneous SGD step on the window block: every input (context) row
// `inputs[j]` against every output row, where `outputs[0]` is the observed
// centre (label 1) and `outputs[1..num_outputs)` are negatives (label 0).
// With g_jk = lr * (label_k - sigmoid(in_j . out_k)) at the current values:
//   in_j  += sum_k g_jk * out_k        out_k += sum_j g_jk * in_j
// which is a step of size lr down the gradient of
//   L = sum_j [ softplus(-in_j . out_0) + sum_{k>0} softplus(in_j . out_k) ].
// Repeated rows are fine (their gradients add up). `scratch` holds
// SgnsScratchFloats(num_inputs, num_outputs, stride) floats, 64-byte
// aligned. When `loss` is not null, adds L (before the step) and num_inputs
// pairs to it.
void SgnsWindowUpdate(float* const* inputs, uint32_t num_inputs,
                      float* const* outputs, uint32_t num_outputs, float lr,
                      uint32_t stride, float* scratch, LossSum* loss);

// One (context, centre) pair, word2vec's unit of work: `input` (the
// context's row) against outputs[0] (the centre, label 1) and
// outputs[1..num_outputs) (negatives, label 0), all updated in place from
// the values before the call. Trained pair after pair, each pair sees the
// rows as the previous one left them; a window block (SgnsWindowUpdate)
// computes all its pairs from the same stale rows, which overshoots when a
// window's nodes are alike (local walks, p < 1) and costs quality. `g`
// holds num_outputs floats of scratch. `input` is not an output row; a
// repeated output row gets its updates one after the other.
void SgnsPairUpdate(float* input, float* const* outputs, uint32_t num_outputs,
                    float lr, uint32_t stride, float* g, LossSum* loss);

// Dot product with the same lane order as the kernel (for tests).
float PaddedDot(const float* a, const float* b, uint32_t stride);

// Instruction sets the kernels are built for. The functions above use the
// widest one the processor supports (checked once, at first use).
enum class SimdLevel { kBaseline, kAvx2, kAvx512 };

const char* SimdLevelName(SimdLevel level);
// Whether this processor can run `level` (baseline: always).
bool SimdLevelSupported(SimdLevel level);
// The level the functions above dispatch to.
SimdLevel ActiveSimdLevel();

// One instruction set's kernels, for tests and benchmarks that compare
// levels directly; `level` must be supported.
struct SgnsKernels {
  void (*window_update)(float* const*, uint32_t, float* const*, uint32_t,
                        float, uint32_t, float*, LossSum*);
  void (*pair_update)(float*, float* const*, uint32_t, float, uint32_t, float*,
                      LossSum*);
  float (*padded_dot)(const float*, const float*, uint32_t);
};
const SgnsKernels& KernelsFor(SimdLevel level);
// The table SgnsWindowUpdate, SgnsPairUpdate and PaddedDot forward to.
const SgnsKernels& ActiveKernels();

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_SGNS_KERNEL_H_
