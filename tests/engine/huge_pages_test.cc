// AllocateLarge: alignment of small and huge-page-sized blocks, every byte
// writable, and the embedding matrix built on it zeroed.
#include "internal/huge_pages.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"
#include "n2v/embeddings.h"

namespace n2v::internal {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(HugePagesTest, SmallBlocksKeepTheirAlignment) {
  for (size_t bytes : {size_t{1}, size_t{100}, 3 * kMiB}) {
    void* p = AllocateLarge(bytes, 64);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    std::memset(p, 0xab, bytes);
    FreeLarge(p);
  }
}

TEST(HugePagesTest, LargeBlocksAreHugePageAligned) {
  for (size_t bytes : {4 * kMiB, 4 * kMiB + 1, 37 * kMiB + 12}) {
    auto* p = static_cast<unsigned char*>(AllocateLarge(bytes, 64));
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (2 * kMiB), 0u) << bytes;
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(p[0], 0x5a);
    EXPECT_EQ(p[bytes - 1], 0x5a);
    FreeLarge(p);
  }
}

TEST(HugePagesTest, LargeAlignedFloatsAreZeroed) {
  const size_t count = 3 * kMiB + 5;  // 12 MiB of floats
  AlignedFloats floats(count);
  ASSERT_EQ(floats.size(), count);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(floats.data()) % 64, 0u);
  size_t nonzero = 0;
  for (size_t i = 0; i < count; ++i) nonzero += floats.data()[i] != 0.0f;
  EXPECT_EQ(nonzero, 0u);
}

}  // namespace
}  // namespace n2v::internal
