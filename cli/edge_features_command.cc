// `n2v edge-features`: features of node pairs from an embedding file.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include <oneapi/tbb/info.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "flags.h"
#include "n2v/edge_features.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/io/embedding_io.h"
#include "output_file.h"
#include "report.h"

namespace n2v::cli {
namespace {

// Writes "u v f1 ... fk" lines to `out`. Returns false on a write error.
bool WriteFeatures(std::FILE* out, const io::NodePairs& pairs,
                   const std::vector<float>& features, uint32_t width) {
  std::string text;
  char buf[64];
  for (size_t i = 0; i < pairs.sources.size(); ++i) {
    auto end = std::to_chars(buf, buf + sizeof(buf), pairs.sources[i]).ptr;
    text.append(buf, end);
    text.push_back(' ');
    end = std::to_chars(buf, buf + sizeof(buf), pairs.targets[i]).ptr;
    text.append(buf, end);
    for (uint32_t j = 0; j < width; ++j) {
      text.push_back(' ');
      end = std::to_chars(buf, buf + sizeof(buf), features[i * width + j]).ptr;
      text.append(buf, end);
    }
    text.push_back('\n');
    if (text.size() > (1 << 20) || i + 1 == pairs.sources.size()) {
      if (std::fwrite(text.data(), 1, text.size(), out) != text.size()) {
        return false;
      }
      text.clear();
    }
  }
  return std::fflush(out) == 0;
}

}  // namespace

int RunEdgeFeatures(int argc, char** argv) {
  FlagSet flags("edge-features");
  std::string embeddings_path, pairs_path, output, op_name = "hadamard";
  int workers = tbb::info::default_concurrency();
  flags.AddString("embeddings", &embeddings_path,
                  "embedding file written by n2v embed (text or binary)");
  flags.AddString("pairs", &pairs_path,
                  "node pairs, 'u v' per line (extra columns ignored)");
  flags.AddString("operator", &op_name,
                  "average, hadamard, weighted-l1, weighted-l2, cosine or dot");
  flags.AddString("output", &output, "output file ('u v f1 ... fk' lines); "
                                     "stdout when empty");
  flags.AddNumber("workers", &workers,
               "worker threads (at most the cores available)");
  if (absl::Status s = flags.Parse(argc, argv, 2); !s.ok()) {
    PrintError("edge-features", s);
    return kExitUsage;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  absl::StatusOr<EdgeOperator> op = ParseEdgeOperator(op_name);
  absl::Status usage = absl::OkStatus();
  if (embeddings_path.empty()) {
    usage = absl::InvalidArgumentError("--embeddings is required");
  } else if (pairs_path.empty()) {
    usage = absl::InvalidArgumentError("--pairs is required");
  } else if (!op.ok()) {
    usage = absl::InvalidArgumentError(
        absl::StrCat("--operator: ", op.status().message()));
  } else if (workers < 1) {
    usage = absl::InvalidArgumentError(
        absl::StrCat("--workers must be >= 1, got ", workers));
  }
  if (!usage.ok()) {
    PrintError("edge-features", usage);
    return kExitUsage;
  }
  if (!output.empty()) {
    if (absl::Status s = CheckOutputPath(output); !s.ok()) {
      PrintError("edge-features", s);
      return kExitFailure;
    }
  }

  absl::StatusOr<Embeddings> embeddings = io::ReadEmbeddings(embeddings_path);
  if (!embeddings.ok()) {
    PrintError("edge-features", embeddings.status());
    return kExitFailure;
  }
  absl::StatusOr<io::NodePairs> pairs = io::ReadNodePairs(pairs_path);
  if (!pairs.ok()) {
    PrintError("edge-features", pairs.status());
    return kExitFailure;
  }
  // Every id must have a vector; name the first one that has none by its
  // pair, counted from 1 as a user counts.
  for (size_t i = 0; i < pairs->sources.size(); ++i) {
    for (const bool target : {false, true}) {
      const int64_t id = target ? pairs->targets[i] : pairs->sources[i];
      if (!embeddings->Find(id)) {
        PrintError("edge-features",
                   absl::StrCat(pairs_path, ": pair ", i + 1, ": node id ", id,
                                " (", target ? "target" : "source",
                                ") has no vector in '", embeddings_path, "'"));
        return kExitFailure;
      }
    }
  }
  workers = std::min(workers, tbb::info::default_concurrency());
  absl::StatusOr<std::vector<float>> features = ComputeEdgeFeatures(
      *embeddings, pairs->sources, pairs->targets, *op, workers);
  if (!features.ok()) {
    PrintError("edge-features",
               absl::StrCat(pairs_path, ": ", features.status().message()));
    return kExitFailure;
  }
  const uint32_t width = EdgeFeatureWidth(*op, embeddings->dimensions());
  if (output.empty()) {
    if (!WriteFeatures(stdout, *pairs, *features, width)) {
      PrintError("edge-features", "cannot write to standard output");
      return kExitFailure;
    }
    return kExitOk;
  }
  const std::string temp = output + ".tmp";
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  bool ok = file != nullptr && WriteFeatures(file, *pairs, *features, width);
  int error = ok ? 0 : errno;
  if (file != nullptr && std::fclose(file) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (ok && std::rename(temp.c_str(), output.c_str()) != 0) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    std::remove(temp.c_str());
    PrintError("edge-features",
               absl::StrCat("cannot write '", output, "': ",
                            std::strerror(error != 0 ? error : EIO)));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace n2v::cli
