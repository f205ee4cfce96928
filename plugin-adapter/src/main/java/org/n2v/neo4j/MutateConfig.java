// n2v.mutate's keys: GDS's Node2VecMutateConfig, the algorithm keys and
// mutateProperty (required). Mutate runs on named graphs only: the vectors
// stay with the graph.
package org.n2v.neo4j;

import java.util.Map;
import java.util.Set;

final class MutateConfig {
  static final Set<String> NAMED = ConfigKeys.union(ConfigKeys.ALGO_NAMED, ConfigKeys.MUTATE);

  private MutateConfig() {}

  static AlgoConfig parse(String graphName, Map<String, Object> configuration) {
    AlgoConfig config = AlgoConfig.parse("n2v.mutate", graphName, configuration, Set.of(), NAMED);
    mutateProperty(config.map());
    return config;
  }

  /** As parse, for n2v.mutate.estimate, which also takes an anonymous configuration. */
  static AlgoConfig parseEstimate(Object graphNameOrConfiguration, Map<String, Object> algo) {
    AlgoConfig config = AlgoConfig.parseEstimate("n2v.mutate.estimate", graphNameOrConfiguration,
        algo, ConfigKeys.union(ConfigKeys.ALGO_ANONYMOUS, ConfigKeys.MUTATE), NAMED);
    mutateProperty(config.map());
    return config;
  }

  static String mutateProperty(ProcedureConfig map) {
    String v = map.string("mutateProperty").orElseThrow(() -> new IllegalArgumentException(
        "Configuration key 'mutateProperty' is required: the node property to store on the graph"));
    if (v.isBlank()) {
      throw new IllegalArgumentException("Configuration key 'mutateProperty' must not be blank");
    }
    return v;
  }
}
