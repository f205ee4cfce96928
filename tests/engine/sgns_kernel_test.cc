// Checks internal::SgnsWindowUpdate and SgnsPairUpdate against a slow double-precision
// reference: the loss it reports is the documented L, and the step it takes
// is exactly -lr times the gradient of L, computed here by central
// differences, for padded and unpadded rows, repeated rows and every
// remainder path of the vector loops. Also PaddedDot against double sums.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "internal/sgns_kernel.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"

namespace n2v::internal {
namespace {

double Softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// Rows of `dims` random values in [-scale/2, scale/2) with zero padding up
// to `stride`, 64-byte aligned.
AlignedFloats RandomRows(uint32_t rows, uint32_t dims, uint32_t stride,
                         float scale, uint64_t seed) {
  AlignedFloats m(size_t{rows} * stride);
  Rng rng(seed);
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t i = 0; i < dims; ++i) {
      m.data()[size_t{r} * stride + i] = (rng.UniformFloat() - 0.5f) * scale;
    }
  }
  return m;
}

std::vector<double> ToDouble(const AlignedFloats& m) {
  return std::vector<double>(m.data(), m.data() + m.size());
}

// L = sum_j [softplus(-in_j . out_0) + sum_{k>0} softplus(in_j . out_k)],
// in double, with inputs and outputs given as row indices into two pools.
double ReferenceLoss(const std::vector<double>& in_pool,
                     const std::vector<double>& out_pool,
                     const std::vector<int>& inputs,
                     const std::vector<int>& outputs, uint32_t stride) {
  double loss = 0;
  for (int j : inputs) {
    for (size_t k = 0; k < outputs.size(); ++k) {
      double dot = 0;
      for (uint32_t i = 0; i < stride; ++i) {
        dot += in_pool[size_t(j) * stride + i] *
               out_pool[size_t(outputs[k]) * stride + i];
      }
      loss += Softplus(k == 0 ? -dot : dot);
    }
  }
  return loss;
}

struct KernelCase {
  std::string name;
  uint32_t dims, stride;
  std::vector<int> inputs;   // rows of the input pool, repeats allowed
  std::vector<int> outputs;  // rows of the output pool; [0] is the centre
  float lr;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const KernelCase& c, std::ostream* os) { *os << c.name; }

class SgnsKernelTest : public ::testing::TestWithParam<KernelCase> {};

TEST_P(SgnsKernelTest, StepIsMinusLrTimesGradientOfL) {
  const KernelCase& c = GetParam();
  constexpr uint32_t kPoolRows = 12;
  AlignedFloats in = RandomRows(kPoolRows, c.dims, c.stride, 1.0f, 1);
  AlignedFloats out = RandomRows(kPoolRows, c.dims, c.stride, 1.0f, 2);
  const std::vector<double> in0 = ToDouble(in), out0 = ToDouble(out);

  // The gradient of L by central differences over every element of every
  // pool row (repeated rows get the sum of their contributions, as the
  // kernel's in-place updates should).
  constexpr double kH = 1e-4;
  auto numeric_gradient = [&](bool of_inputs) {
    std::vector<double> grad(size_t{kPoolRows} * c.stride, 0.0);
    std::vector<double> ip = in0, op = out0;
    std::vector<double>& pool = of_inputs ? ip : op;
    for (size_t e = 0; e < pool.size(); ++e) {
      const double saved = pool[e];
      pool[e] = saved + kH;
      const double up = ReferenceLoss(ip, op, c.inputs, c.outputs, c.stride);
      pool[e] = saved - kH;
      const double down = ReferenceLoss(ip, op, c.inputs, c.outputs, c.stride);
      pool[e] = saved;
      grad[e] = (up - down) / (2 * kH);
    }
    return grad;
  };
  const std::vector<double> in_grad = numeric_gradient(true);
  const std::vector<double> out_grad = numeric_gradient(false);
  const double reference_loss =
      ReferenceLoss(in0, out0, c.inputs, c.outputs, c.stride);

  std::vector<float*> in_ptrs, out_ptrs;
  for (int j : c.inputs) in_ptrs.push_back(in.data() + size_t(j) * c.stride);
  for (int k : c.outputs) out_ptrs.push_back(out.data() + size_t(k) * c.stride);
  const uint32_t ni = static_cast<uint32_t>(in_ptrs.size());
  const uint32_t no = static_cast<uint32_t>(out_ptrs.size());
  AlignedFloats scratch(SgnsScratchFloats(ni, no, c.stride));
  LossSum loss{1.25, 3};  // the kernel adds to what is there
  SgnsWindowUpdate(in_ptrs.data(), ni, out_ptrs.data(), no, c.lr, c.stride,
                   scratch.data(), &loss);

  EXPECT_NEAR(loss.sum - 1.25, reference_loss, 1e-5 * reference_loss);
  EXPECT_EQ(loss.pairs, 3u + ni);

  auto check = [&](const char* which, const AlignedFloats& now,
                   const std::vector<double>& before,
                   const std::vector<double>& grad) {
    int bad = 0;
    for (size_t e = 0; e < before.size() && bad < 5; ++e) {
      const uint32_t lane = e % c.stride;
      if (lane >= c.dims) {
        // Padding stays exactly zero.
        if (now.data()[e] != 0.0f) {
          ADD_FAILURE() << which << " padding " << e << " = " << now.data()[e];
          ++bad;
        }
        continue;
      }
      const double expected_delta = -double{c.lr} * grad[e];
      const double delta = double{now.data()[e]} - before[e];
      const double tolerance = 1e-6 + 1e-4 * std::abs(expected_delta);
      if (std::abs(delta - expected_delta) > tolerance) {
        ADD_FAILURE() << which << " row " << e / c.stride << " lane " << lane
                      << ": moved " << delta << ", expected "
                      << expected_delta;
        ++bad;
      }
    }
  };
  check("input", in, in0, in_grad);
  check("output", out, out0, out_grad);

  // The step is not trivially zero.
  double moved = 0;
  for (size_t e = 0; e < in0.size(); ++e) moved += std::abs(in.data()[e] - in0[e]);
  EXPECT_GT(moved, 0.0);
}

TEST_P(SgnsKernelTest, NullLossLeavesTheStepUnchanged) {
  const KernelCase& c = GetParam();
  AlignedFloats in_a = RandomRows(12, c.dims, c.stride, 1.0f, 1);
  AlignedFloats out_a = RandomRows(12, c.dims, c.stride, 1.0f, 2);
  AlignedFloats in_b = RandomRows(12, c.dims, c.stride, 1.0f, 1);
  AlignedFloats out_b = RandomRows(12, c.dims, c.stride, 1.0f, 2);
  auto run = [&](AlignedFloats& in, AlignedFloats& out, LossSum* loss) {
    std::vector<float*> ip, op;
    for (int j : c.inputs) ip.push_back(in.data() + size_t(j) * c.stride);
    for (int k : c.outputs) op.push_back(out.data() + size_t(k) * c.stride);
    AlignedFloats scratch(SgnsScratchFloats(ip.size(), op.size(), c.stride));
    SgnsWindowUpdate(ip.data(), ip.size(), op.data(), op.size(), c.lr,
                     c.stride, scratch.data(), loss);
  };
  LossSum loss;
  run(in_a, out_a, &loss);
  run(in_b, out_b, nullptr);
  EXPECT_EQ(0, std::memcmp(in_a.data(), in_b.data(), in_a.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(out_a.data(), out_b.data(), out_a.size() * sizeof(float)));
}

INSTANTIATE_TEST_SUITE_P(
    Windows, SgnsKernelTest,
    ::testing::Values(
        KernelCase{"d32_stride32", 32, 32, {0, 1, 2}, {0, 1, 2, 3}, 1e-3f},
        KernelCase{"d20_padded_to_32", 20, 32, {0, 1, 2, 3}, {0, 1, 2, 3, 4, 5},
                   1e-3f},
        KernelCase{"repeated_output_row", 32, 32, {0, 1}, {0, 1, 2, 1}, 1e-3f},
        KernelCase{"repeated_input_row", 20, 32, {0, 1, 0, 2}, {0, 1, 2},
                   1e-3f},
        KernelCase{"single_pair", 16, 16, {5}, {7}, 1e-3f},
        KernelCase{"two_outputs", 16, 16, {0, 1}, {0, 1}, 1e-3f},
        KernelCase{"seven_outputs_stride112", 100, 112, {0, 1, 2},
                   {0, 1, 2, 3, 4, 5, 6}, 1e-3f},
        KernelCase{"full_window_d128", 128, 128,
                   {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1, 2, 3, 4, 5}, 1e-3f},
        // A large step is still exactly one simultaneous gradient step: every
        // coefficient comes from the values before the update.
        KernelCase{"large_step_repeats", 20, 32, {0, 1, 0}, {0, 1, 1, 2}, 0.5f},
        KernelCase{"large_step_d80", 80, 80, {0, 1, 2, 3}, {0, 1, 2, 3, 4},
                   0.5f}),
    [](const ::testing::TestParamInfo<KernelCase>& info) {
      return info.param.name;
    });

TEST(SgnsKernelRowsTest, UntouchedRowsDoNotChange) {
  AlignedFloats in = RandomRows(6, 32, 32, 1.0f, 3);
  AlignedFloats out = RandomRows(6, 32, 32, 1.0f, 4);
  const std::vector<double> in0 = ToDouble(in), out0 = ToDouble(out);
  float* ip[2] = {in.data() + 1 * 32, in.data() + 3 * 32};
  float* op[2] = {out.data() + 0 * 32, out.data() + 4 * 32};
  AlignedFloats scratch(SgnsScratchFloats(2, 2, 32));
  SgnsWindowUpdate(ip, 2, op, 2, 0.1f, 32, scratch.data(), nullptr);
  for (int r : {0, 2, 4, 5}) {
    for (int i = 0; i < 32; ++i) EXPECT_EQ(in.data()[r * 32 + i], in0[r * 32 + i]);
  }
  for (int r : {1, 2, 3, 5}) {
    for (int i = 0; i < 32; ++i) {
      EXPECT_EQ(out.data()[r * 32 + i], out0[r * 32 + i]);
    }
  }
}

// SgnsPairUpdate is one pair's exact gradient step: against the reference
// loss by central differences, for every remainder path of its loops (1 to
// 11 outputs, padded and unpadded rows), and equal (to rounding) to the
// window kernel given that one input.
struct PairCase {
  uint32_t dims, stride, outputs;
  float lr;
};

class SgnsPairKernelTest : public ::testing::TestWithParam<PairCase> {};

TEST_P(SgnsPairKernelTest, StepIsMinusLrTimesGradientOfL) {
  const PairCase& c = GetParam();
  const uint32_t pool = c.outputs + 1;
  AlignedFloats in = RandomRows(2, c.dims, c.stride, 1.0f, 5);
  AlignedFloats out = RandomRows(pool, c.dims, c.stride, 1.0f, 6);
  const std::vector<double> in0 = ToDouble(in), out0 = ToDouble(out);
  std::vector<int> outputs;
  for (uint32_t k = 0; k < c.outputs; ++k) outputs.push_back(k + 1);  // row 0 unused
  const std::vector<int> inputs = {1};
  const double reference = ReferenceLoss(in0, out0, inputs, outputs, c.stride);

  std::vector<float*> out_ptrs;
  for (int k : outputs) out_ptrs.push_back(out.data() + size_t(k) * c.stride);
  std::vector<float> g(c.outputs);
  LossSum loss{0.5, 2};
  SgnsPairUpdate(in.data() + c.stride, out_ptrs.data(), c.outputs, c.lr,
                 c.stride, g.data(), &loss);
  EXPECT_NEAR(loss.sum - 0.5, reference, 1e-5 * reference);
  EXPECT_EQ(loss.pairs, 3u);

  constexpr double kH = 1e-4;
  auto expect_step = [&](bool of_inputs, const AlignedFloats& now,
                         const std::vector<double>& before) {
    std::vector<double> ip = in0, op = out0;
    std::vector<double>& p = of_inputs ? ip : op;
    int bad = 0;
    for (size_t e = 0; e < p.size() && bad < 5; ++e) {
      const uint32_t lane = e % c.stride;
      if (lane >= c.dims) {
        EXPECT_EQ(now.data()[e], 0.0f) << "padding stays zero";
        continue;
      }
      const double saved = p[e];
      p[e] = saved + kH;
      const double up = ReferenceLoss(ip, op, inputs, outputs, c.stride);
      p[e] = saved - kH;
      const double down = ReferenceLoss(ip, op, inputs, outputs, c.stride);
      p[e] = saved;
      const double expected = -double{c.lr} * (up - down) / (2 * kH);
      const double delta = double{now.data()[e]} - before[e];
      if (std::abs(delta - expected) > 1e-6 + 1e-4 * std::abs(expected)) {
        ADD_FAILURE() << (of_inputs ? "input" : "output") << " row "
                      << e / c.stride << " lane " << lane << ": moved "
                      << delta << ", expected " << expected;
        ++bad;
      }
    }
  };
  expect_step(true, in, in0);
  expect_step(false, out, out0);
}

TEST_P(SgnsPairKernelTest, MatchesTheWindowKernelForOneInput) {
  const PairCase& c = GetParam();
  AlignedFloats in_a = RandomRows(1, c.dims, c.stride, 1.0f, 7);
  AlignedFloats out_a = RandomRows(c.outputs, c.dims, c.stride, 1.0f, 8);
  AlignedFloats in_b = RandomRows(1, c.dims, c.stride, 1.0f, 7);
  AlignedFloats out_b = RandomRows(c.outputs, c.dims, c.stride, 1.0f, 8);
  std::vector<float*> op_a, op_b;
  for (uint32_t k = 0; k < c.outputs; ++k) {
    op_a.push_back(out_a.data() + size_t{k} * c.stride);
    op_b.push_back(out_b.data() + size_t{k} * c.stride);
  }
  std::vector<float> g(c.outputs);
  SgnsPairUpdate(in_a.data(), op_a.data(), c.outputs, c.lr, c.stride, g.data(),
                 nullptr);
  float* ip_b[1] = {in_b.data()};
  AlignedFloats scratch(SgnsScratchFloats(1, c.outputs, c.stride));
  SgnsWindowUpdate(ip_b, 1, op_b.data(), c.outputs, c.lr, c.stride,
                   scratch.data(), nullptr);
  for (size_t e = 0; e < in_a.size(); ++e) {
    ASSERT_NEAR(in_a.data()[e], in_b.data()[e], 1e-6) << "input element " << e;
  }
  for (size_t e = 0; e < out_a.size(); ++e) {
    ASSERT_NEAR(out_a.data()[e], out_b.data()[e], 1e-6) << "output element " << e;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, SgnsPairKernelTest,
    ::testing::Values(PairCase{16, 16, 1, 1e-3f}, PairCase{20, 32, 2, 1e-3f},
                      PairCase{32, 32, 3, 1e-3f}, PairCase{48, 48, 4, 1e-3f},
                      PairCase{100, 112, 5, 1e-3f}, PairCase{128, 128, 6, 1e-3f},
                      PairCase{64, 64, 7, 0.5f}, PairCase{80, 80, 8, 1e-3f},
                      PairCase{128, 128, 11, 0.5f}),
    [](const ::testing::TestParamInfo<PairCase>& info) {
      const PairCase& c = info.param;
      return "d" + std::to_string(c.dims) + "_stride" + std::to_string(c.stride) +
             "_outputs" + std::to_string(c.outputs) +
             (c.lr >= 0.1f ? "_large_step" : "");
    });

// Pairs trained one after another see each other's updates: the second
// pair's step starts from the centre row the first one moved.
TEST(SgnsPairKernelOrderTest, SecondPairSeesTheFirstPairsUpdate) {
  AlignedFloats in = RandomRows(2, 32, 32, 1.0f, 9);
  AlignedFloats out = RandomRows(3, 32, 32, 1.0f, 10);
  AlignedFloats in_w = RandomRows(2, 32, 32, 1.0f, 9);
  AlignedFloats out_w = RandomRows(3, 32, 32, 1.0f, 10);
  float* op[3] = {out.data(), out.data() + 32, out.data() + 64};
  float* op_w[3] = {out_w.data(), out_w.data() + 32, out_w.data() + 64};
  std::vector<float> g(3);
  SgnsPairUpdate(in.data(), op, 3, 0.5f, 32, g.data(), nullptr);
  SgnsPairUpdate(in.data() + 32, op, 3, 0.5f, 32, g.data(), nullptr);
  // Both pairs as one block: both computed from the original rows.
  float* ip_w[2] = {in_w.data(), in_w.data() + 32};
  AlignedFloats scratch(SgnsScratchFloats(2, 3, 32));
  SgnsWindowUpdate(ip_w, 2, op_w, 3, 0.5f, 32, scratch.data(), nullptr);
  // The first input's step is the same either way; the second differs.
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(in.data()[i], in_w.data()[i], 1e-6);
  double differs = 0;
  for (int i = 32; i < 64; ++i) differs += std::abs(in.data()[i] - in_w.data()[i]);
  EXPECT_GT(differs, 1e-4);
}

TEST(PaddedDotTest, MatchesDoubleReference) {
  for (uint32_t dims : {1u, 16u, 20u, 32u, 100u, 128u, 500u}) {
    const uint32_t stride = PaddedDimension(dims);
    AlignedFloats rows = RandomRows(2, dims, stride, 2.0f, dims);
    const float* a = rows.data();
    const float* b = rows.data() + stride;
    double exact = 0, magnitude = 0;
    for (uint32_t i = 0; i < dims; ++i) {
      exact += double{a[i]} * b[i];
      magnitude += std::abs(double{a[i]} * b[i]);
    }
    const float dot = PaddedDot(a, b, stride);
    // Each lane sums stride/16 products, then 4 pairwise steps.
    const double bound = (stride / 16 + 5) * 1.2e-7 * magnitude;
    EXPECT_NEAR(dot, exact, bound) << "dims " << dims;
    EXPECT_EQ(dot, PaddedDot(b, a, stride)) << "dims " << dims;
  }
}

TEST(PaddedDotTest, KnownValues) {
  AlignedFloats rows(64);
  float* a = rows.data();
  float* b = rows.data() + 32;
  for (int i = 0; i < 20; ++i) {
    a[i] = static_cast<float>(i + 1);
    b[i] = (i % 2 == 0) ? 1.0f : -0.5f;
  }
  // 1 - 2/2 + 3 - 4/2 + ... : odd terms whole, even terms halved.
  double expected = 0;
  for (int i = 0; i < 20; ++i) expected += (i + 1) * ((i % 2 == 0) ? 1.0 : -0.5);
  EXPECT_EQ(PaddedDot(a, b, 32), static_cast<float>(expected));
  EXPECT_EQ(PaddedDot(a, a, 32), 2870.0f);  // 1^2 + ... + 20^2
}

}  // namespace
}  // namespace n2v::internal
