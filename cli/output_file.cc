// CheckReplaceable, CheckOutputPath and CheckOutputsApart.
#include "output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "n2v/io/replacing_file.h"
#include "n2v/status_macros.h"

namespace n2v::cli {
namespace {

bool SameFile(const std::string& a, const std::string& b) {
  struct stat first, second;
  if (::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0) {
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino;
  }
  std::error_code error;
  const auto canonical_a = std::filesystem::weakly_canonical(a, error);
  if (error) return a == b;
  const auto canonical_b = std::filesystem::weakly_canonical(b, error);
  if (error) return a == b;
  return canonical_a == canonical_b;
}

}  // namespace

absl::Status CheckReplaceable(const std::string& path) {
  auto refuse = [&path](absl::string_view reason) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write '", path, "': ", reason));
  };
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) {  // follows links, e.g. /dev/stdout
    if (S_ISDIR(info.st_mode)) return refuse(std::strerror(EISDIR));
    if (!S_ISREG(info.st_mode)) {
      return refuse(
          "not a regular file (the output is written to a temporary file "
          "that then replaces it)");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOutputPath(const std::string& path) {
  N2V_RETURN_IF_ERROR(CheckReplaceable(path));
  // Creating a file next to it is what the real write will do first; this
  // one is discarded at once.
  return io::ReplacingFile::Create(path).status();
}

absl::Status CheckOutputsApart(const std::vector<NamedPath>& outputs,
                               const std::vector<NamedPath>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& [flag, path] = outputs[i];
    if (path.empty()) continue;
    for (size_t j = 0; j < i; ++j) {
      const auto& [earlier_flag, earlier] = outputs[j];
      if (!earlier.empty() && SameFile(path, earlier)) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag, " names the same file as ", earlier_flag, ": '", path, "'"));
      }
    }
    for (const auto& [input_flag, input] : inputs) {
      if (!input.empty() && SameFile(path, input)) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, " would replace ", input_flag, ": '", path, "'"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace n2v::cli
