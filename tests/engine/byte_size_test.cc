// ParseByteSize: the units people write, and what it refuses.
#include "n2v/byte_size.h"

#include "gtest/gtest.h"

namespace n2v {
namespace {

TEST(ByteSizeTest, Units) {
  EXPECT_EQ(*ParseByteSize("1000000"), 1000000u);
  EXPECT_EQ(*ParseByteSize("512MiB"), 512ull << 20);
  EXPECT_EQ(*ParseByteSize("8GiB"), 8ull << 30);
  EXPECT_EQ(*ParseByteSize("6G"), 6ull << 30);
  EXPECT_EQ(*ParseByteSize("1.5gb"), 1500000000u);
  EXPECT_EQ(*ParseByteSize("2 TiB"), 2ull << 40);
}

TEST(ByteSizeTest, Refusals) {
  for (const char* bad : {"", "GiB", "-1GiB", "8 parsecs", "1e30", "8GiBs"}) {
    absl::StatusOr<uint64_t> parsed = ParseByteSize(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().message(),
              std::string("expected a size like 512MiB or 8GiB, got '") + bad + "'");
  }
}

}  // namespace
}  // namespace n2v
