// n2v.estimate's keys: an anonymous run's selection, node2vec and base keys.
package org.n2v.neo4j;

import java.util.Map;
import java.util.Set;

final class EstimateConfig {
  static final Set<String> KEYS = ConfigKeys.ALGO_ANONYMOUS;

  private EstimateConfig() {}

  static AlgoConfig parse(Map<String, Object> configuration) {
    return AlgoConfig.parse("n2v.estimate", configuration == null ? Map.of() : configuration,
        Map.of(), KEYS, Set.of());
  }
}
