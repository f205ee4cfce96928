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
  explicit FlagSet(std::string command) : command_(std::move(command)) {}

  void AddString(std::string name, std::string* out, std::string help);
  void AddUint32(std::string name, uint32_t* out, std::string help);
  void AddUint64(std::string name, uint64_t* out, std::string help);
  void AddInt(std::string name, int* out, std::string help);
  void AddDouble(std::string name, double* out, std::string help);
  void AddFloat(std::string name, float* out, std::string help);
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
  std::vector<Flag> flags_;
  std::vector<std::string> set_;
  bool help_ = false;
};

}  // namespace n2v::cli

#endif  // N2V_CLI_FLAGS_H_
