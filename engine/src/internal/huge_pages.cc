// AllocateLarge: aligned_alloc plus madvise(MADV_HUGEPAGE) for large blocks.
#include "internal/huge_pages.h"

#include <cstdlib>

#include <sys/mman.h>

namespace n2v::internal {
namespace {

constexpr size_t kHugePageBytes = size_t{2} << 20;
// Smaller blocks would waste most of a huge page.
constexpr size_t kHugePageThreshold = 2 * kHugePageBytes;

size_t RoundUp(size_t bytes, size_t multiple) {
  return (bytes + multiple - 1) / multiple * multiple;
}

}  // namespace

void* AllocateLarge(size_t bytes, size_t alignment) {
  if (bytes < kHugePageThreshold) {
    return std::aligned_alloc(alignment, RoundUp(bytes, alignment));
  }
  const size_t rounded = RoundUp(bytes, kHugePageBytes);
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
#ifdef MADV_HUGEPAGE
  if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

void FreeLarge(void* p) { std::free(p); }

size_t LargeAllocationFootprint(size_t bytes) {
  constexpr size_t kHeaderPage = 4096;
  if (bytes < kHugePageThreshold) return RoundUp(bytes, 64) + kHeaderPage;
  return RoundUp(bytes, kHugePageBytes) + kHeaderPage;
}

}  // namespace n2v::internal
