// n2v.graph.project's configuration keys: GDS's GraphProjectFromStoreConfig
// (readConcurrency, nodeProperties, relationshipProperties,
// validateRelationships) and the base keys. readConcurrency is accepted and
// echoed: the projection is read in the calling transaction, on its thread.
package org.n2v.neo4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

final class GraphProjectConfig {
  static final Set<String> KEYS = ConfigKeys.union(ConfigKeys.BASE, Set.of("readConcurrency",
      "nodeProperties", "relationshipProperties", "validateRelationships"));

  private GraphProjectConfig() {}

  static ProcedureConfig parse(Map<String, Object> configuration) {
    ProcedureConfig map = ProcedureConfig.parse(configuration, KEYS);
    readConcurrency(map);
    map.bool("validateRelationships");
    map.string("jobId");
    map.logProgress();
    map.sudo();
    map.username();
    return map;
  }

  static long readConcurrency(ProcedureConfig map) {
    long v = map.integer("readConcurrency").orElse(Node2VecKeys.GDS_DEFAULT_CONCURRENCY);
    if (v < 1) {
      throw new IllegalArgumentException(
          "Configuration key 'readConcurrency' must be at least 1, got " + v);
    }
    return v;
  }

  /** The configuration as GDS echoes it: the keys given, with the defaults. */
  static Map<String, Object> echo(ProcedureConfig map, String trackingId) {
    Map<String, Object> out = new LinkedHashMap<>(map.asMap());
    out.put("readConcurrency", readConcurrency(map));
    out.put("validateRelationships", map.bool("validateRelationships").orElse(false));
    out.put("jobId", trackingId);
    out.put("logProgress", map.logProgress());
    out.put("sudo", map.sudo());
    return out;
  }
}
