// The n2v subcommands. Each returns the process exit code: 0 on success,
// 1 when the input or a run fails, 2 on a usage error.
#ifndef N2V_CLI_COMMANDS_H_
#define N2V_CLI_COMMANDS_H_

namespace n2v::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int RunEmbed(int argc, char** argv);
int RunEdgeFeatures(int argc, char** argv);
int RunWalks(int argc, char** argv);

}  // namespace n2v::cli

#endif  // N2V_CLI_COMMANDS_H_
