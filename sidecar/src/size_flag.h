// Parsing of byte sizes given on the command line ("512MiB", "8GiB",
// "1000000") and the default memory budget.
#ifndef N2V_SIDECAR_SIZE_FLAG_H_
#define N2V_SIDECAR_SIZE_FLAG_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace n2v::sidecar {

// Accepts a non-negative number with an optional unit: B, KB/MB/GB/TB
// (powers of 1000) or KiB/MiB/GiB/TiB (powers of 1024), case-insensitive.
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

// Half of the machine's physical memory.
uint64_t DefaultMemoryBudget();

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SIZE_FLAG_H_
