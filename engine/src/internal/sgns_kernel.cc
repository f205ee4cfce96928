// SgnsWindowUpdate, compiled for several instruction sets and picked at load
// time (GCC target_clones). See sgns_kernel.h for the determinism contract.
//
// All arithmetic is on Vec16, a 16-float GCC vector: one register with
// AVX-512, two with AVX2, four with SSE2, with identical per-lane results.
// Rows are 64-byte aligned and padded to 16 floats.
//
// Work for one window block (J inputs, K outputs):
//  1. dots f_jk, four outputs at a time (independent accumulators hide the
//     add latency);
//  2. g_jk = lr * (label_k - sigmoid(f_jk)) with a polynomial exp;
//  3. input gradients sum_k g_jk out_k into scratch (needs the old outputs);
//  4. outputs updated in place with sum_j g_jk in_j (needs the old inputs);
//  5. inputs updated with their gradients.
#include "internal/sgns_kernel.h"

#include <cmath>
#include <cstring>

namespace n2v::internal {
namespace {

constexpr uint32_t kLanes = 16;
typedef float Vec16 __attribute__((vector_size(64)));
typedef int32_t Int16 __attribute__((vector_size(64)));

#define N2V_CLONES \
  __attribute__((target_clones("avx512f", "arch=haswell", "default")))
// Helpers are inlined into each clone so they use the clone's instructions.
#define N2V_INLINE inline __attribute__((always_inline))

N2V_INLINE Vec16 Load(const float* p) {
  Vec16 v;
  std::memcpy(&v, __builtin_assume_aligned(p, 64), sizeof(v));
  return v;
}
N2V_INLINE void Store(float* p, Vec16 v) {
  std::memcpy(__builtin_assume_aligned(p, 64), &v, sizeof(v));
}
N2V_INLINE Vec16 Splat(float x) { return Vec16{} + x; }

// a * b + c per lane with one rounding (IEEE fused multiply-add): one
// instruction where the clone has FMA, libm's exact fmaf otherwise, so every
// clone computes the same bits.
N2V_INLINE Vec16 Fma(Vec16 a, Vec16 b, Vec16 c) {
  Vec16 r;
  for (uint32_t l = 0; l < kLanes; ++l) r[l] = __builtin_fmaf(a[l], b[l], c[l]);
  return r;
}

// Sums the lanes in a fixed pairwise order (lane j += lane j + width, for
// width 8, 4, 2, 1).
N2V_INLINE float ReduceLanes(Vec16 v) {
  v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3,
                               4, 5, 6, 7);
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12,
                               13, 14, 15);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                               13, 14, 15);
  v += __builtin_shufflevector(v, v, 1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                               13, 14, 15);
  return v[0];
}

// N dot products of `a` with b[0..N), chunk by chunk; N independent
// accumulators hide the add latency. Every dot has the same lane order.
template <int N>
N2V_INLINE void DotN(const float* a, float* const* b, uint32_t stride,
                     float* out) {
  Vec16 acc[N] = {};
  for (uint32_t i = 0; i < stride; i += kLanes) {
    const Vec16 x = Load(a + i);
#pragma GCC unroll 8
    for (int n = 0; n < N; ++n) acc[n] = Fma(x, Load(b[n] + i), acc[n]);
  }
#pragma GCC unroll 8
  for (int n = 0; n < N; ++n) out[n] = ReduceLanes(acc[n]);
}

N2V_INLINE float Dot(const float* a, const float* b, uint32_t stride) {
  float out;
  float* rows[1] = {const_cast<float*>(b)};
  DotN<1>(a, rows, stride, &out);
  return out;
}

// dst = sum_r coef[r * step] * rows[r] (or dst += that when `add`), four
// 16-float chunks at a time so the sums form independent chains.
N2V_INLINE void WeightedRowSum(float* const* rows, const float* coef,
                               size_t step, uint32_t count, uint32_t stride,
                               float* dst, bool add) {
  uint32_t i = 0;
  for (; i + 4 * kLanes <= stride; i += 4 * kLanes) {
    Vec16 a0{}, a1{}, a2{}, a3{};
    for (uint32_t r = 0; r < count; ++r) {
      const Vec16 c = Splat(coef[r * step]);
      const float* row = rows[r] + i;
      a0 = Fma(c, Load(row), a0);
      a1 = Fma(c, Load(row + kLanes), a1);
      a2 = Fma(c, Load(row + 2 * kLanes), a2);
      a3 = Fma(c, Load(row + 3 * kLanes), a3);
    }
    if (add) {
      a0 = Load(dst + i) + a0;
      a1 = Load(dst + i + kLanes) + a1;
      a2 = Load(dst + i + 2 * kLanes) + a2;
      a3 = Load(dst + i + 3 * kLanes) + a3;
    }
    Store(dst + i, a0);
    Store(dst + i + kLanes, a1);
    Store(dst + i + 2 * kLanes, a2);
    Store(dst + i + 3 * kLanes, a3);
  }
  for (; i < stride; i += kLanes) {
    Vec16 a{};
    for (uint32_t r = 0; r < count; ++r) {
      a = Fma(Splat(coef[r * step]), Load(rows[r] + i), a);
    }
    Store(dst + i, add ? Load(dst + i) + a : a);
  }
}

// exp(x), x clamped to [-87, 87]: x = n ln2 + r with |r| <= ln2/2, a
// degree-6 polynomial for exp(r) (relative error below 2e-7) and 2^n built
// in the exponent bits. Rounding to the nearest integer uses the 1.5 * 2^23
// trick, so there is no library call.
N2V_INLINE Vec16 PolyExp(Vec16 x) {
  const Vec16 lo = Splat(-87.0f), hi = Splat(87.0f);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const Vec16 magic = Splat(12582912.0f);
  const Vec16 n = (x * 1.44269504088896341f + magic) - magic;
  const Vec16 r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  Vec16 p = Splat(1.0f / 720.0f);
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const Int16 bits = (__builtin_convertvector(n, Int16) + 127) << 23;
  Vec16 scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// log(1 + exp(x)) without overflow.
N2V_INLINE double Softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// out[k] = a . rows[k] for k < n, up to eight chains at once.
N2V_INLINE void Dots(const float* a, float* const* rows, uint32_t n,
                     uint32_t stride, float* out) {
  uint32_t k = 0;
  for (; k + 8 <= n; k += 8) DotN<8>(a, rows + k, stride, out + k);
  switch (n - k) {
    case 7: DotN<7>(a, rows + k, stride, out + k); break;
    case 6: DotN<6>(a, rows + k, stride, out + k); break;
    case 5: DotN<5>(a, rows + k, stride, out + k); break;
    case 4: DotN<4>(a, rows + k, stride, out + k); break;
    case 3: DotN<3>(a, rows + k, stride, out + k); break;
    case 2: DotN<2>(a, rows + k, stride, out + k); break;
    case 1: DotN<1>(a, rows + k, stride, out + k); break;
  }
}

// Turns the dots g[0..cells) into coefficients lr * (label - sigmoid(g)),
// where the label is 1 for every `period`-th cell (the centre's column of a
// row-major block with `period` outputs) and 0 otherwise.
N2V_INLINE void Coefficients(float* g, size_t cells, uint32_t period, float lr) {
  uint32_t phase = 0;  // cell index modulo `period`, kept without a division
  for (size_t c = 0; c < cells; c += kLanes) {
    const size_t n = std::min<size_t>(kLanes, cells - c);
    Vec16 f{}, label{};
    for (size_t l = 0; l < n; ++l) {
      f[l] = g[c + l];
      label[l] = phase == 0 ? 1.0f : 0.0f;
      if (++phase == period) phase = 0;
    }
    const Vec16 coef = (label - 1.0f / (1.0f + PolyExp(-f))) * lr;
    for (size_t l = 0; l < n; ++l) g[c + l] = coef[l];
  }
}

}  // namespace

N2V_CLONES float PaddedDot(const float* a, const float* b, uint32_t stride) {
  return Dot(a, b, stride);
}

N2V_CLONES void SgnsWindowUpdate(float* const* inputs, uint32_t num_inputs,
                                 float* const* outputs, uint32_t num_outputs,
                                 float lr, uint32_t stride, float* scratch,
                                 LossSum* loss) {
  float* const input_grad = scratch;
  float* const g = scratch + (size_t{num_inputs} + num_outputs) * stride;

  // 1. Dots.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    Dots(inputs[j], outputs, num_outputs, stride, g + size_t{j} * num_outputs);
  }
  // 2. Coefficients (and the sampled loss, from the same dots).
  const size_t cells = size_t{num_inputs} * num_outputs;
  if (loss != nullptr) {
    for (size_t c = 0; c < cells; ++c) {
      loss->sum += Softplus(c % num_outputs == 0 ? -g[c] : g[c]);
    }
    loss->pairs += num_inputs;
  }
  Coefficients(g, cells, num_outputs, lr);
  // 3. Input gradients from the old outputs.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    WeightedRowSum(outputs, g + size_t{j} * num_outputs, 1, num_outputs, stride,
                   input_grad + size_t{j} * stride, /*add=*/false);
  }
  // 4. Outputs, in place, from the old inputs.
  for (uint32_t k = 0; k < num_outputs; ++k) {
    WeightedRowSum(inputs, g + k, num_outputs, num_inputs, stride, outputs[k],
                   /*add=*/true);
  }
  // 5. Inputs.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    float* row = inputs[j];
    const float* grad = input_grad + size_t{j} * stride;
    for (uint32_t i = 0; i < stride; i += kLanes) {
      Store(row + i, Load(row + i) + Load(grad + i));
    }
  }
}

N2V_CLONES void SgnsPairUpdate(float* input, float* const* outputs,
                               uint32_t num_outputs, float lr, uint32_t stride,
                               float* g, LossSum* loss) {
  // 1. Dots with the current rows.
  Dots(input, outputs, num_outputs, stride, g);
  if (loss != nullptr) {
    for (uint32_t c = 0; c < num_outputs; ++c) {
      loss->sum += Softplus(c == 0 ? -g[c] : g[c]);
    }
    loss->pairs += 1;
  }
  // 2. Coefficients.
  Coefficients(g, num_outputs, num_outputs, lr);
  // 3. One pass over the columns, four 16-float chunks at a time (four
  // independent chains): each output row moves along the old input, the
  // input along the old output rows.
  uint32_t i = 0;
  for (; i + 4 * kLanes <= stride; i += 4 * kLanes) {
    float* in = input + i;
    const Vec16 x0 = Load(in), x1 = Load(in + kLanes), x2 = Load(in + 2 * kLanes),
                x3 = Load(in + 3 * kLanes);
    Vec16 d0{}, d1{}, d2{}, d3{};
    for (uint32_t c = 0; c < num_outputs; ++c) {
      float* row = outputs[c] + i;
      const Vec16 coef = Splat(g[c]);
      const Vec16 o0 = Load(row), o1 = Load(row + kLanes),
                  o2 = Load(row + 2 * kLanes), o3 = Load(row + 3 * kLanes);
      d0 = Fma(coef, o0, d0);
      d1 = Fma(coef, o1, d1);
      d2 = Fma(coef, o2, d2);
      d3 = Fma(coef, o3, d3);
      Store(row, Fma(coef, x0, o0));
      Store(row + kLanes, Fma(coef, x1, o1));
      Store(row + 2 * kLanes, Fma(coef, x2, o2));
      Store(row + 3 * kLanes, Fma(coef, x3, o3));
    }
    Store(in, x0 + d0);
    Store(in + kLanes, x1 + d1);
    Store(in + 2 * kLanes, x2 + d2);
    Store(in + 3 * kLanes, x3 + d3);
  }
  for (; i < stride; i += kLanes) {
    const Vec16 x = Load(input + i);
    Vec16 d{};
    for (uint32_t c = 0; c < num_outputs; ++c) {
      float* row = outputs[c] + i;
      const Vec16 coef = Splat(g[c]);
      const Vec16 o = Load(row);
      d = Fma(coef, o, d);
      Store(row, Fma(coef, x, o));
    }
    Store(input + i, x + d);
  }
}

}  // namespace n2v::internal
