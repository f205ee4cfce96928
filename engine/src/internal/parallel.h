// Runs work in a oneTBB arena sized to the caller's thread count.
#ifndef N2V_INTERNAL_PARALLEL_H_
#define N2V_INTERNAL_PARALLEL_H_

#include <utility>

#include <algorithm>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

namespace n2v::internal {

// The worker count for a request of `num_threads`: 0 means every thread
// the process may use, and requests above that are capped (results never
// depend on the thread count, and oversubscribing only slows down). The cap
// is oneTBB's max_allowed_parallelism: the core count unless a
// tbb::global_control raises or lowers it.
inline int ResolveThreads(int num_threads) {
  const int allowed = static_cast<int>(tbb::global_control::active_value(
      tbb::global_control::max_allowed_parallelism));
  return num_threads > 0 ? std::min(num_threads, allowed) : allowed;
}

// Calls fn() inside an arena of `num_threads` workers and returns its result.
template <typename Fn>
auto RunInArena(int num_threads, Fn&& fn) {
  tbb::task_arena arena(ResolveThreads(num_threads));
  return arena.execute(std::forward<Fn>(fn));
}

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_PARALLEL_H_
