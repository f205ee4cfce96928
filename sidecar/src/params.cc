// Node2VecParams <-> engine options.
#include "params.h"

#include <algorithm>
#include <climits>

namespace n2v::sidecar {

const OptionNames& ParamNames() {
  static const OptionNames names{
      .p = "params.return_factor",
      .q = "params.in_out_factor",
      .walk_length = "params.walk_length",
      .walks_per_node = "params.walks_per_node",
      .dimensions = "params.embedding_dimension",
      .window = "params.window_size",
      .negatives = "params.negative_sampling_rate",
      .epochs = "params.iterations",
      .initial_learning_rate = "params.initial_learning_rate",
      .min_learning_rate = "params.min_learning_rate",
      .subsample = "params.positive_sampling_factor",
      .negative_exponent = "params.negative_sampling_exponent",
      .num_threads = "params.concurrency",
      .walks_per_batch = "params.walk_buffer_size",
      .walk_from = "params.walk_from",
      .warm_start = "params.warm_start",
      .align = "params.align",
      .incremental = "params.incremental",
      .max_changed_fraction = "params.incremental_max_changed_fraction",
      .previous_vectors = "the snapshot's initial vectors",
  };
  return names;
}

v1::Node2VecParams WithDefaults(const v1::Node2VecParams& in) {
  const EmbedOptions d;
  const ReembedOptions r;
  v1::Node2VecParams p = in;
  if (!p.has_walk_length()) p.set_walk_length(d.walk.walk_length);
  if (!p.has_walks_per_node()) p.set_walks_per_node(d.walks_per_node);
  if (!p.has_return_factor()) p.set_return_factor(d.walk.p);
  if (!p.has_in_out_factor()) p.set_in_out_factor(d.walk.q);
  if (!p.has_window_size()) p.set_window_size(d.window);
  if (!p.has_negative_sampling_rate()) p.set_negative_sampling_rate(d.negatives);
  if (!p.has_embedding_dimension()) p.set_embedding_dimension(d.dimensions);
  if (!p.has_iterations()) p.set_iterations(d.epochs);
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
  if (!p.has_walk_buffer_size()) p.set_walk_buffer_size(d.walks_per_batch);
  if (!p.has_incremental_max_changed_fraction()) {
    p.set_incremental_max_changed_fraction(r.max_changed_fraction);
  }
  return p;
}

EmbedOptions ToEmbedOptions(const v1::Node2VecParams& in) {
  const v1::Node2VecParams p = WithDefaults(in);
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
  // A uint32 on the wire; the engine caps threads at the cores anyway.
  o.num_threads = static_cast<int>(std::min<uint32_t>(p.concurrency(), INT_MAX));
  o.deterministic = p.deterministic();
  o.subsample = p.positive_sampling_factor();
  o.negative_exponent = p.negative_sampling_exponent();
  o.isolated_nodes = p.isolated_nodes() == v1::ISOLATED_NODES_ZERO
                         ? IsolatedNodePolicy::kZero
                         : IsolatedNodePolicy::kRandom;
  o.keep_context = p.keep_context();
  o.initializer =
      p.embedding_initializer() == v1::EMBEDDING_INITIALIZER_UNIFORM
          ? EmbeddingInitializer::kUniform
          : EmbeddingInitializer::kNormalized;
  o.walks_per_batch = p.walk_buffer_size();
  o.walk_from.assign(p.walk_from().begin(), p.walk_from().end());
  return o;
}

ReembedOptions ToReembedOptions(const v1::Node2VecParams& in) {
  const v1::Node2VecParams p = WithDefaults(in);
  ReembedOptions r;
  r.warm_start = p.warm_start();
  if (in.has_align()) r.align = in.align();
  r.incremental = p.incremental();
  r.max_changed_fraction = p.incremental_max_changed_fraction();
  r.learning_rate_chosen = in.has_initial_learning_rate();
  r.min_learning_rate_chosen = in.has_min_learning_rate();
  return r;
}

v1::Node2VecParams AsResolved(v1::Node2VecParams params,
                              const EmbedOptions& resolved,
                              const ReembedOptions& reembed) {
  params.set_initial_learning_rate(resolved.initial_learning_rate);
  params.set_min_learning_rate(resolved.min_learning_rate);
  params.set_keep_context(resolved.keep_context);
  params.set_align(WillAlign(reembed));
  return params;
}

}  // namespace n2v::sidecar
