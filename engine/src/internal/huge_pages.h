// Memory for large arrays read at random (the embedding rows): blocks of a
// few MiB or more are 2 MiB aligned and marked for transparent huge pages,
// so random row reads stop missing the TLB as well as the cache. Where huge
// pages are off or unavailable the hint is ignored.
#ifndef N2V_INTERNAL_HUGE_PAGES_H_
#define N2V_INTERNAL_HUGE_PAGES_H_

#include <cstddef>

namespace n2v::internal {

// Allocates `bytes` (> 0) aligned to `alignment` (a power of two, at most
// 2 MiB), huge-page backed when large; nullptr when out of memory. Free
// with FreeLarge.
void* AllocateLarge(size_t bytes, size_t alignment);
void FreeLarge(void* p);

// The most resident bytes AllocateLarge(bytes, 64) can cost: huge-page
// backed blocks are rounded up to whole huge pages, and the allocator's
// header takes a page of its own.
size_t LargeAllocationFootprint(size_t bytes);

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_HUGE_PAGES_H_
