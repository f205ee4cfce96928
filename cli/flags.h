// FlagSet: the command-line flags of one n2v subcommand.
//
// Accepts "--name value" and "--name=value" (as the reference node2vec's
// argparse does), boolean switches, and pairs of switches writing the same
// variable (--weighted / --unweighted). Errors name the flag and the reason.
#ifndef N2V_CLI_FLAGS_H_
#define N2V_CLI_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace n2v::cli {

class FlagSet {
 public:
  // `program` is how the usage and errors name the program that runs
  // `command` ("n2v", or "mpirun -np N n2v-mpi").
  explicit FlagSet(std::string command, std::string program = "n2v")
      : command_(std::move(command)), program_(std::move(program)) {}

  void AddString(std::string name, std::string* out, std::string help);
  // A number flag: uint32_t, uint64_t, int, float or double. Unsigned flags
  // refuse a sign ("must be a non-negative integer"), integers a fraction.
  template <typename Number>
  void AddNumber(std::string name, Number* out, std::string help);
  // A switch taking no value: "--name" stores `value` into *out.
  void AddSwitch(std::string name, bool* out, bool value, std::string help);

  // Parses argv[first..argc). InvalidArgument naming the flag on an unknown
  // flag, a missing or malformed value, or a stray positional argument.
  absl::Status Parse(int argc, char** argv, int first);

  // Whether the flag was given on the command line.
  bool WasSet(const std::string& name) const;
  bool help_requested() const { return help_; }
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool takes_value = true;
    std::function<absl::Status(const std::string&)> set;
  };
  void Add(Flag flag);

  std::string command_;
  std::string program_;
  std::vector<Flag> flags_;
  std::vector<std::string> set_;
  bool help_ = false;
};

}  // namespace n2v::cli

#endif  // N2V_CLI_FLAGS_H_
