// The maps of the Cypher projection n2v.graph.project(graphName, source,
// target, dataConfig, configuration), GDS 2.4+'s form: dataConfig per row
// (sourceNodeLabels, targetNodeLabels, sourceNodeProperties,
// targetNodeProperties, relationshipType, relationshipProperties) and the
// configuration of the first row (undirectedRelationshipTypes,
// inverseIndexedRelationshipTypes, readConcurrency and the base keys).
package org.n2v.neo4j;

import java.util.List;
import java.util.Map;
import java.util.Set;

final class CypherProjectionConfig {
  static final Set<String> DATA_KEYS = Set.of("sourceNodeLabels", "targetNodeLabels",
      "sourceNodeProperties", "targetNodeProperties", "relationshipType",
      "relationshipProperties");
  static final Set<String> KEYS = ConfigKeys.union(ConfigKeys.BASE, Set.of("readConcurrency",
      "undirectedRelationshipTypes", "inverseIndexedRelationshipTypes"));

  private CypherProjectionConfig() {}

  static ProcedureConfig parseData(Object dataConfig) {
    return ProcedureConfig.parse(map(dataConfig, "dataConfig"), DATA_KEYS);
  }

  static ProcedureConfig parse(Object configuration) {
    ProcedureConfig map = ProcedureConfig.parse(map(configuration, "configuration"), KEYS);
    GraphProjectConfig.readConcurrency(map);
    optionalList(map, "undirectedRelationshipTypes");
    optionalList(map, "inverseIndexedRelationshipTypes");
    map.string("jobId");
    map.logProgress();
    map.sudo();
    map.username();
    return map;
  }

  /** A list of strings, or empty when absent. */
  static List<String> optionalList(ProcedureConfig map, String key) {
    return map.has(key) ? map.stringList(key) : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String name) {
    if (value == null) return Map.of();
    if (value instanceof Map<?, ?> m) return (Map<String, Object>) m;
    throw new IllegalArgumentException("The " + name + " of n2v.graph.project must be a map, got "
        + ProcedureConfig.describe(value));
  }
}
