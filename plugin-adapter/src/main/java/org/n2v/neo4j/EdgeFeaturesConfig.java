// n2v.edgeFeatures.*'s keys: the selection (which relationships, and what
// to train on when no vectors are named), node2vec's keys, the operator,
// explicit pairs, and where the vectors come from: jobId (a sidecar job,
// e.g. the one n2v.write returned) or graphName with nodeProperty (a
// property n2v.mutate stored on a named graph). n2v.edgeFeatures.write also
// takes writeProperty and writeBatchSize.
package org.n2v.neo4j;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

final class EdgeFeaturesConfig {
  private static final Set<String> SOURCE = Set.of(
      "jobId", "operator", "pairs", "graphName", "nodeProperty");
  static final Set<String> STREAM =
      ConfigKeys.union(ConfigKeys.SELECTION, ConfigKeys.NODE2VEC, SOURCE);
  static final Set<String> WRITE = ConfigKeys.union(STREAM, Set.of("writeProperty", "writeBatchSize"));

  private EdgeFeaturesConfig() {}

  static ProcedureConfig parseStream(Map<String, Object> configuration) {
    return checked(ProcedureConfig.parse(configuration, STREAM));
  }

  static ProcedureConfig parseWrite(Map<String, Object> configuration) {
    ProcedureConfig map = checked(ProcedureConfig.parse(configuration, WRITE));
    map.writeProperty();
    map.writeBatchSize();
    return map;
  }

  private static ProcedureConfig checked(ProcedureConfig map) {
    map.nodeLabels();
    map.relationshipTypes();
    map.orientation();
    map.relationshipWeightProperty();
    map.node2VecParams();
    map.operator();
    map.jobId();
    map.pairs();
    Optional<String> graph = map.string("graphName");
    Optional<String> property = map.string("nodeProperty");
    if (graph.isPresent() != property.isPresent()) {
      throw new IllegalArgumentException("Configuration keys 'graphName' and 'nodeProperty' go "
          + "together: the node property n2v.mutate stored on that named graph");
    }
    if (graph.isPresent() && map.jobId().isPresent()) {
      throw new IllegalArgumentException("Give the vectors once: configuration key 'jobId' or "
          + "'graphName' with 'nodeProperty', not both");
    }
    graph.ifPresent(GraphNames::check);
    return map;
  }
}
