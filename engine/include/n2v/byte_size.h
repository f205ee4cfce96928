// Byte sizes as people write them on command lines and in configuration
// ("512MiB", "8GiB", "6G", "1000000"): the one parser the sidecar's
// --memory-budget and n2v-mpi's --memory-per-rank share.
#ifndef N2V_BYTE_SIZE_H_
#define N2V_BYTE_SIZE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace n2v {

// Accepts a non-negative number with an optional unit: B, KB/MB/GB/TB
// (powers of 1000) or KiB/MiB/GiB/TiB and K/M/G/T (powers of 1024),
// case-insensitive. InvalidArgument "expected a size like 512MiB or 8GiB,
// got '<text>'" otherwise.
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

}  // namespace n2v

#endif  // N2V_BYTE_SIZE_H_
