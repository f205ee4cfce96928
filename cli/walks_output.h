// Writing walks as text, one walk per line, node ids separated by spaces:
// the format of `n2v walks` and `n2v-mpi walks`.
#ifndef N2V_CLI_WALKS_OUTPUT_H_
#define N2V_CLI_WALKS_OUTPUT_H_

#include <string>

#include "n2v/walks.h"

namespace n2v::cli {

// Appends the walks of `block` as lines to `out`.
void AppendWalkLines(const WalkBlock& block, std::string& out);

}  // namespace n2v::cli

#endif  // N2V_CLI_WALKS_OUTPUT_H_
