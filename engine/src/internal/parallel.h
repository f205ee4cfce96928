// Runs work in a oneTBB arena sized to the caller's thread count.
#ifndef N2V_INTERNAL_PARALLEL_H_
#define N2V_INTERNAL_PARALLEL_H_

#include <utility>

#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

namespace n2v::internal {

// 0 means every core the process may use.
inline int ResolveThreads(int num_threads) {
  return num_threads > 0 ? num_threads : tbb::info::default_concurrency();
}

// Calls fn() inside an arena of `num_threads` workers and returns its result.
template <typename Fn>
auto RunInArena(int num_threads, Fn&& fn) {
  tbb::task_arena arena(ResolveThreads(num_threads));
  return arena.execute(std::forward<Fn>(fn));
}

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_PARALLEL_H_
