// n2v.stream's keys: GDS's Node2VecStreamConfig (node2vec, the graph filter
// and the base keys), or for an anonymous run the selection instead of the
// filter.
package org.n2v.neo4j;

import java.util.Map;
import java.util.Set;

final class StreamConfig {
  static final Set<String> NAMED = ConfigKeys.ALGO_NAMED;
  static final Set<String> ANONYMOUS = ConfigKeys.ALGO_ANONYMOUS;

  private StreamConfig() {}

  static AlgoConfig parse(Object graphNameOrConfiguration, Map<String, Object> configuration) {
    return AlgoConfig.parse("n2v.stream", graphNameOrConfiguration, configuration, ANONYMOUS,
        NAMED);
  }
}
