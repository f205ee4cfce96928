// Checks on an output path, made before any work so that a run fails in
// seconds, not after the training.
#ifndef N2V_CLI_OUTPUT_FILE_H_
#define N2V_CLI_OUTPUT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace n2v::cli {

// Output files are written as a temporary file next to `path` and renamed
// into place. FailedPrecondition "cannot write '<path>': <reason>" when the
// folder is missing or not writable, or when `path` exists and is not a
// regular file: renaming over a directory fails, and renaming over a device
// or a link such as /dev/stdout would replace it rather than write to it.
absl::Status CheckOutputPath(const std::string& path);

}  // namespace n2v::cli

#endif  // N2V_CLI_OUTPUT_FILE_H_
