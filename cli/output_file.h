// Checks on output paths, made before any work so that a run fails in
// seconds, not after the training.
#ifndef N2V_CLI_OUTPUT_FILE_H_
#define N2V_CLI_OUTPUT_FILE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace n2v::cli {

// Output files are written as a temporary file next to `path` and renamed
// into place (io::ReplacingFile). FailedPrecondition "cannot write
// '<path>': <reason>" when `path` exists and is not a regular file:
// renaming over a directory fails, and renaming over a device or a link
// such as /dev/stdout would replace it rather than write to it.
absl::Status CheckReplaceable(const std::string& path);

// CheckReplaceable, and the same error when the folder is missing or not
// writable (a temporary file is created there and removed).
absl::Status CheckOutputPath(const std::string& path);

// A flag and the path it names, e.g. {"--output", "out.emb"}; an empty
// path (the flag not given) is skipped.
using NamedPath = std::pair<const char*, std::string>;

// InvalidArgument when two outputs name one file ("--context-output names
// the same file as --output: '<path>'"), or an output names an input file
// it would replace ("--output would replace --input: '<path>'"). Paths are
// one file when they are the same existing file (links followed) or the
// same path once made absolute. An output may replace a file it only
// starts from, such as --init, so such files are not listed as inputs.
absl::Status CheckOutputsApart(const std::vector<NamedPath>& outputs,
                               const std::vector<NamedPath>& inputs);

}  // namespace n2v::cli

#endif  // N2V_CLI_OUTPUT_FILE_H_
