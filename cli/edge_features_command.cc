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
#include "n2v/status_macros.h"
#include "output_file.h"
#include "output_sink.h"
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

struct FeatureFlags {
  std::string embeddings, pairs, output, op_name = "hadamard";
  int workers = tbb::info::default_concurrency();
  EdgeOperator op = EdgeOperator::kHadamard;
};

void RegisterFeatureFlags(FlagSet& flags, FeatureFlags& f) {
  flags.AddString("embeddings", &f.embeddings,
                  "embedding file written by n2v embed (text or binary)");
  flags.AddString("pairs", &f.pairs,
                  "node pairs, 'u v' per line (extra columns ignored)");
  flags.AddString("operator", &f.op_name,
                  "average, hadamard, weighted-l1, weighted-l2, cosine or dot");
  flags.AddString("output", &f.output, "output file ('u v f1 ... fk' lines); "
                                       "stdout when empty");
  flags.AddNumber("workers", &f.workers,
                  "worker threads (at most the cores available)");
}

// Usage errors, naming the flag; sets f.op.
absl::Status ValidateFeatureFlags(FeatureFlags& f) {
  if (f.embeddings.empty()) {
    return absl::InvalidArgumentError("--embeddings is required");
  }
  if (f.pairs.empty()) return absl::InvalidArgumentError("--pairs is required");
  absl::StatusOr<EdgeOperator> op = ParseEdgeOperator(f.op_name);
  if (!op.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--operator: ", op.status().message()));
  }
  f.op = *op;
  if (f.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--workers must be >= 1, got ", f.workers));
  }
  return CheckOutputsApart({{"--output", f.output}},
                           {{"--embeddings", f.embeddings}, {"--pairs", f.pairs}});
}

// Every id must have a vector; names the first that has none by its pair,
// counted from 1 as a user counts.
absl::Status CheckEveryIdHasAVector(const FeatureFlags& f,
                                    const Embeddings& embeddings,
                                    const io::NodePairs& pairs) {
  for (size_t i = 0; i < pairs.sources.size(); ++i) {
    for (const bool target : {false, true}) {
      const int64_t id = target ? pairs.targets[i] : pairs.sources[i];
      if (embeddings.Find(id)) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          f.pairs, ": pair ", i + 1, ": node id ", id, " (",
          target ? "target" : "source", ") has no vector in '", f.embeddings,
          "'"));
    }
  }
  return absl::OkStatus();
}

// Writes the features to `output` (a file, whole or not at all, or
// standard output when empty).
absl::Status WriteFeaturesTo(const std::string& output, const io::NodePairs& pairs,
                             const std::vector<float>& features, uint32_t width) {
  OutputSink sink;
  N2V_RETURN_IF_ERROR(sink.Open(output));
  if (!WriteFeatures(sink.stream(), pairs, features, width)) {
    const absl::Status error = sink.WriteError(errno);
    sink.Discard();
    return error;
  }
  return sink.Commit();
}

// Everything after the flags: read, check, compute, write.
absl::Status Run(FeatureFlags& f) {
  if (!f.output.empty()) N2V_RETURN_IF_ERROR(CheckOutputPath(f.output));
  N2V_ASSIGN_OR_RETURN(Embeddings embeddings, io::ReadEmbeddings(f.embeddings));
  N2V_ASSIGN_OR_RETURN(io::NodePairs pairs, io::ReadNodePairs(f.pairs));
  N2V_RETURN_IF_ERROR(CheckEveryIdHasAVector(f, embeddings, pairs));
  const int workers = std::min(f.workers, tbb::info::default_concurrency());
  absl::StatusOr<std::vector<float>> features = ComputeEdgeFeatures(
      embeddings, pairs.sources, pairs.targets, f.op, workers);
  if (!features.ok()) {
    return absl::Status(features.status().code(),
                        absl::StrCat(f.pairs, ": ", features.status().message()));
  }
  const uint32_t width = EdgeFeatureWidth(f.op, embeddings.dimensions());
  return WriteFeaturesTo(f.output, pairs, *features, width);
}

}  // namespace

int RunEdgeFeatures(int argc, char** argv) {
  FlagSet flags("edge-features");
  FeatureFlags f;
  RegisterFeatureFlags(flags, f);
  absl::Status s = flags.Parse(argc, argv, 2);
  if (s.ok() && flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    return kExitOk;
  }
  if (s.ok()) s = ValidateFeatureFlags(f);
  if (!s.ok()) {
    PrintError("edge-features", s);
    return kExitUsage;
  }
  if (s = Run(f); !s.ok()) {
    PrintError("edge-features", s);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace n2v::cli
