// Byte sizes on the command line (the engine's parser) and the default
// memory budget.
#ifndef N2V_SIDECAR_SIZE_FLAG_H_
#define N2V_SIDECAR_SIZE_FLAG_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "n2v/byte_size.h"

namespace n2v::sidecar {

// The engine's parser (n2v/byte_size.h).
using n2v::ParseByteSize;

// Half of the machine's physical memory.
uint64_t DefaultMemoryBudget();

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SIZE_FLAG_H_
