// Resident memory as the kernel measures it, for tests of the memory
// model: how far a call raises the process's peak resident set above where
// it stood (VmHWM after resetting it through /proc/self/clear_refs), not
// what the code under test says it allocates.
#ifndef N2V_TESTS_PEAK_MEMORY_H_
#define N2V_TESTS_PEAK_MEMORY_H_

#include <malloc.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace n2v::testing {

// A /proc/self/status field in bytes ("VmRSS", "VmHWM").
inline uint64_t StatusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stoull(line.substr(field.size() + 1)) * 1024;
    }
  }
  ADD_FAILURE() << field << " not in /proc/self/status";
  return 0;
}

// Freed blocks go back to the system at once, so what a run frees and
// reallocates is counted again rather than hidden in the heap.
inline void ReturnFreedMemoryAtOnce() {
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
}

// Runs fn and returns how far resident memory rose above where it stood
// before, at its highest.
template <typename Fn>
uint64_t PeakGrowth(Fn fn) {
  malloc_trim(0);
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";  // resets VmHWM to the current VmRSS
    EXPECT_TRUE(clear.good()) << "cannot reset the peak: /proc/self/clear_refs";
  }
  const uint64_t before = StatusBytes("VmRSS");
  fn();
  return StatusBytes("VmHWM") - before;
}

}  // namespace n2v::testing

#endif  // N2V_TESTS_PEAK_MEMORY_H_
