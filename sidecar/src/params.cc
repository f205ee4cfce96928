// Node2VecParams defaults and validation.
#include "params.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace n2v::sidecar {
namespace {

constexpr uint32_t kMaxDimension = 65536;
constexpr uint32_t kMaxWindow = 1000;
constexpr uint32_t kMaxNegatives = 1000;
constexpr uint32_t kMaxIterations = 1000;
constexpr uint32_t kMaxWalksPerNode = 100000;

absl::Status Bad(std::string_view field, std::string_view rule, auto value) {
  return absl::InvalidArgumentError(
      absl::StrCat("params.", absl::string_view(field.data(), field.size()),
                   " must be ", absl::string_view(rule.data(), rule.size()),
                   ", got ", value));
}

absl::Status InRange(std::string_view field, uint32_t value, uint32_t max) {
  if (value >= 1 && value <= max) return absl::OkStatus();
  return Bad(field, absl::StrCat("between 1 and ", max), value);
}

}  // namespace

v1::Node2VecParams WithDefaults(const v1::Node2VecParams& in) {
  const EmbedOptions d;
  v1::Node2VecParams p = in;
  if (p.walk_length() == 0) p.set_walk_length(d.walk.walk_length);
  if (p.walks_per_node() == 0) p.set_walks_per_node(d.walks_per_node);
  if (!p.has_return_factor()) p.set_return_factor(d.walk.p);
  if (!p.has_in_out_factor()) p.set_in_out_factor(d.walk.q);
  if (p.window_size() == 0) p.set_window_size(d.window);
  if (p.negative_sampling_rate() == 0) p.set_negative_sampling_rate(d.negatives);
  if (p.embedding_dimension() == 0) p.set_embedding_dimension(d.dimensions);
  if (p.iterations() == 0) p.set_iterations(d.epochs);
  if (!p.has_initial_learning_rate()) {
    p.set_initial_learning_rate(d.initial_learning_rate);
  }
  if (!p.has_min_learning_rate()) p.set_min_learning_rate(d.min_learning_rate);
  if (!p.has_random_seed()) p.set_random_seed(d.seed);
  if (!p.has_positive_sampling_factor()) {
    p.set_positive_sampling_factor(d.subsample);
  }
  if (!p.has_negative_sampling_exponent()) {
    p.set_negative_sampling_exponent(d.negative_exponent);
  }
  return p;
}

absl::StatusOr<EmbedOptions> ToEmbedOptions(const v1::Node2VecParams& in) {
  const v1::Node2VecParams p = WithDefaults(in);
  if (!(std::isfinite(p.return_factor()) && p.return_factor() > 0)) {
    return Bad("return_factor", "finite and > 0", p.return_factor());
  }
  if (!(std::isfinite(p.in_out_factor()) && p.in_out_factor() > 0)) {
    return Bad("in_out_factor", "finite and > 0", p.in_out_factor());
  }
  for (absl::Status s :
       {InRange("walk_length", p.walk_length(), kMaxWalkLength),
        InRange("walks_per_node", p.walks_per_node(), kMaxWalksPerNode),
        InRange("window_size", p.window_size(), kMaxWindow),
        InRange("negative_sampling_rate", p.negative_sampling_rate(),
                kMaxNegatives),
        InRange("embedding_dimension", p.embedding_dimension(), kMaxDimension),
        InRange("iterations", p.iterations(), kMaxIterations)}) {
    if (!s.ok()) return s;
  }
  if (!(std::isfinite(p.initial_learning_rate()) &&
        p.initial_learning_rate() > 0)) {
    return Bad("initial_learning_rate", "finite and > 0",
               p.initial_learning_rate());
  }
  if (!(std::isfinite(p.min_learning_rate()) && p.min_learning_rate() >= 0 &&
        p.min_learning_rate() <= p.initial_learning_rate())) {
    return Bad("min_learning_rate",
               absl::StrCat("between 0 and initial_learning_rate (",
                            p.initial_learning_rate(), ")"),
               p.min_learning_rate());
  }
  if (!(std::isfinite(p.positive_sampling_factor()) &&
        p.positive_sampling_factor() >= 0)) {
    return Bad("positive_sampling_factor", "finite and >= 0",
               p.positive_sampling_factor());
  }
  if (!std::isfinite(p.negative_sampling_exponent())) {
    return Bad("negative_sampling_exponent", "finite",
               p.negative_sampling_exponent());
  }
  EmbedOptions o;
  o.walk.p = p.return_factor();
  o.walk.q = p.in_out_factor();
  o.walk.walk_length = p.walk_length();
  o.walks_per_node = p.walks_per_node();
  o.window = p.window_size();
  o.negatives = p.negative_sampling_rate();
  o.dimensions = p.embedding_dimension();
  o.epochs = p.iterations();
  o.initial_learning_rate = p.initial_learning_rate();
  o.min_learning_rate = p.min_learning_rate();
  o.seed = p.random_seed();
  o.num_threads = static_cast<int>(std::min<uint32_t>(p.concurrency(), 1u << 16));
  o.deterministic = p.deterministic();
  o.subsample = p.positive_sampling_factor();
  o.negative_exponent = p.negative_sampling_exponent();
  o.isolated_nodes = p.isolated_nodes() == v1::ISOLATED_NODES_ZERO
                         ? IsolatedNodePolicy::kZero
                         : IsolatedNodePolicy::kRandom;
  return o;
}

}  // namespace n2v::sidecar
