// The configuration of a node2vec run, in either form a procedure takes:
// on a named graph, n2v.x('graph', {config}) as GDS, or anonymous,
// n2v.x({config}), which reads the selection from Neo4j for this call
// only. Checks what every run shares; the mode's config type (StreamConfig,
// WriteConfig, MutateConfig) adds its keys.
package org.n2v.neo4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.n2v.grpc.v1.Node2VecParams;

record AlgoConfig(Optional<String> graphName, ProcedureConfig map, String trackingId) {

  boolean named() { return graphName.isPresent(); }

  /**
   * `first` is a graph name (then `second` is the configuration) or the
   * configuration of an anonymous run (then `second` must be empty).
   */
  static AlgoConfig parse(String procedure, Object first, Map<String, Object> second,
      Set<String> anonymousKeys, Set<String> namedKeys) {
    if (first instanceof String name) {
      return checked(Optional.of(GraphNames.check(name)), ProcedureConfig.parse(second, namedKeys));
    }
    if (first instanceof Map<?, ?> map) {
      if (second != null && !second.isEmpty()) {
        throw new IllegalArgumentException("Give the configuration once: " + procedure
            + "(graphName, configuration) runs on a named graph, " + procedure
            + "(configuration) reads the selection from Neo4j");
      }
      return checked(Optional.empty(), ProcedureConfig.parse(asStringMap(map), anonymousKeys));
    }
    throw new IllegalArgumentException("The first argument of " + procedure + " must be a graph "
        + "name (a string) or a configuration map, got " + ProcedureConfig.describe(first));
  }

  /**
   * GDS's estimate form: a graph name and the algorithm's configuration, or
   * an anonymous run's configuration split over both maps.
   */
  static AlgoConfig parseEstimate(String procedure, Object first, Map<String, Object> second,
      Set<String> anonymousKeys, Set<String> namedKeys) {
    if (first instanceof Map<?, ?> map) {
      Map<String, Object> merged = new LinkedHashMap<>(asStringMap(map));
      if (second != null) {
        for (Map.Entry<String, Object> e : second.entrySet()) {
          if (merged.containsKey(e.getKey())) {
            throw new IllegalArgumentException("Configuration key '" + e.getKey()
                + "' is given in both maps of " + procedure);
          }
          merged.put(e.getKey(), e.getValue());
        }
      }
      return parse(procedure, merged, Map.of(), anonymousKeys, namedKeys);
    }
    return parse(procedure, first, second, anonymousKeys, namedKeys);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asStringMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  private static AlgoConfig checked(Optional<String> graphName, ProcedureConfig map) {
    map.string("jobId");
    AlgoConfig config = new AlgoConfig(graphName, map, map.trackingId());
    map.nodeLabels();
    map.relationshipTypes();
    if (!config.named()) map.orientation();
    map.relationshipWeightProperty();
    config.params();
    map.logProgress();
    map.sudo();
    map.username();
    return config;
  }

  /** The node2vec keys as given, forwarded; the sidecar checks them. */
  Node2VecParams params() { return map.node2VecParams(); }

  Optional<String> weightProperty() { return map.relationshipWeightProperty(); }

  List<String> nodeLabels() { return map.nodeLabels(); }

  List<String> relationshipTypes() { return map.relationshipTypes(); }

  /**
   * The `configuration` column: the run's parameters as the sidecar
   * resolved them (defaults filled in), the selection and GDS's base keys,
   * and `extra` (the mode's keys).
   */
  Map<String, Object> resolved(Node2VecParams resolvedParams, CallerIdentity caller,
      Map<String, Object> extra) {
    Map<String, Object> out = new java.util.TreeMap<>(Node2VecKeys.configuration(resolvedParams));
    out.put("nodeLabels", nodeLabels());
    out.put("relationshipTypes", relationshipTypes());
    out.put("relationshipWeightProperty", weightProperty().orElse(null));
    if (!named()) out.put("orientation", map.orientation().name());
    out.put("jobId", trackingId);
    out.put("logProgress", map.logProgress());
    out.put("sudo", map.sudo());
    out.put("username", caller.user());
    out.putAll(extra);
    return out;
  }
}
