// SgnsWindowUpdate, compiled for several instruction sets and picked at load
// time (GCC target_clones). See sgns_kernel.h for the determinism contract.
#include "internal/sgns_kernel.h"

#include <cmath>

namespace n2v::internal {
namespace {

constexpr int kLanes = 16;

#define N2V_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

inline float Dot16(const float* __restrict a, const float* __restrict b,
                   uint32_t stride) {
  float acc[kLanes] = {};
  for (uint32_t i = 0; i < stride; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int j = 0; j < width; ++j) acc[j] += acc[j + width];
  }
  return acc[0];
}

// y += a * x over a padded row.
inline void Axpy(float a, const float* __restrict x, float* __restrict y,
                 uint32_t stride) {
  for (uint32_t i = 0; i < stride; ++i) y[i] += a * x[i];
}

inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// log(1 + exp(x)) without overflow.
inline double Softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace

N2V_CLONES float PaddedDot(const float* a, const float* b, uint32_t stride) {
  return Dot16(a, b, stride);
}

N2V_CLONES void SgnsWindowUpdate(float* const* inputs, uint32_t num_inputs,
                                 float* const* outputs, uint32_t num_outputs,
                                 float lr, uint32_t stride, float* scratch,
                                 LossSum* loss) {
  float* const input_grad = scratch;
  float* const output_grad = scratch + size_t{num_inputs} * stride;
  float* const g = output_grad + size_t{num_outputs} * stride;

  // Coefficients g_jk from the current values.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    for (uint32_t k = 0; k < num_outputs; ++k) {
      const float f = Dot16(inputs[j], outputs[k], stride);
      const float label = k == 0 ? 1.0f : 0.0f;
      g[j * num_outputs + k] = lr * (label - Sigmoid(f));
      if (loss != nullptr) loss->sum += Softplus(k == 0 ? -f : f);
    }
  }
  // Gradients, accumulated in a fixed order.
  for (uint32_t j = 0; j < num_inputs; ++j) {
    float* __restrict grad = input_grad + size_t{j} * stride;
    for (uint32_t i = 0; i < stride; ++i) grad[i] = 0.0f;
    for (uint32_t k = 0; k < num_outputs; ++k) {
      Axpy(g[j * num_outputs + k], outputs[k], grad, stride);
    }
  }
  for (uint32_t k = 0; k < num_outputs; ++k) {
    float* __restrict grad = output_grad + size_t{k} * stride;
    for (uint32_t i = 0; i < stride; ++i) grad[i] = 0.0f;
    for (uint32_t j = 0; j < num_inputs; ++j) {
      Axpy(g[j * num_outputs + k], inputs[j], grad, stride);
    }
  }
  // Apply (repeated rows receive each of their gradients).
  for (uint32_t j = 0; j < num_inputs; ++j) {
    float* __restrict row = inputs[j];
    const float* __restrict grad = input_grad + size_t{j} * stride;
    for (uint32_t i = 0; i < stride; ++i) row[i] += grad[i];
  }
  for (uint32_t k = 0; k < num_outputs; ++k) {
    float* __restrict row = outputs[k];
    const float* __restrict grad = output_grad + size_t{k} * stride;
    for (uint32_t i = 0; i < stride; ++i) row[i] += grad[i];
  }
  if (loss != nullptr) loss->pairs += num_inputs;
}

}  // namespace n2v::internal
