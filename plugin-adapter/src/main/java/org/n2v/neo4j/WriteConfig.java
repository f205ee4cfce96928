// n2v.write's keys: GDS's Node2VecWriteConfig (writeProperty,
// writeConcurrency and the algorithm keys) plus n2v's write batches and
// vector index; anonymous runs also take the warm-start keys, which upload
// the stored vectors with the graph.
package org.n2v.neo4j;

import java.util.Map;
import java.util.Set;

final class WriteConfig {
  static final Set<String> NAMED = ConfigKeys.union(ConfigKeys.ALGO_NAMED, ConfigKeys.WRITE);
  static final Set<String> ANONYMOUS =
      ConfigKeys.union(ConfigKeys.ALGO_ANONYMOUS, ConfigKeys.WRITE, ConfigKeys.WARM);

  private WriteConfig() {}

  static AlgoConfig parse(Object graphNameOrConfiguration, Map<String, Object> configuration) {
    return checked(AlgoConfig.parse("n2v.write", graphNameOrConfiguration, configuration,
        ANONYMOUS, NAMED));
  }

  static AlgoConfig parseEstimate(Object graphNameOrConfiguration, Map<String, Object> algo) {
    return checked(AlgoConfig.parseEstimate("n2v.write.estimate", graphNameOrConfiguration, algo,
        ANONYMOUS, NAMED));
  }

  private static AlgoConfig checked(AlgoConfig config) {
    ProcedureConfig map = config.map();
    map.writeProperty();
    map.writeBatchSize();
    writeConcurrency(map);
    if (!config.named()) {
      map.warmStart();
      map.contextProperty();
      map.writeParams();
    }
    if (map.vectorIndex()
        && map.embeddingDimension().orElse(0) > ProcedureConfig.MAX_VECTOR_INDEX_DIMENSIONS) {
      throw new IllegalArgumentException("Configuration key 'embeddingDimension' must be at "
          + "most " + ProcedureConfig.MAX_VECTOR_INDEX_DIMENSIONS + " with vectorIndex: true "
          + "(Neo4j's vector indexes take no more), got " + map.embeddingDimension().get());
    }
    map.vectorSimilarity();
    map.string("vectorIndexName");
    map.string("vectorIndexLabel");
    return config;
  }

  /** The write keys for the `configuration` column, with their defaults. */
  static Map<String, Object> resolved(ProcedureConfig config) {
    Map<String, Object> out = new java.util.TreeMap<>();
    out.put("writeProperty", config.writeProperty());
    out.put("writeConcurrency", writeConcurrency(config));
    out.put("writeBatchSize", (long) config.writeBatchSize());
    out.put("vectorIndex", config.vectorIndex());
    out.put("vectorSimilarity", config.vectorSimilarity());
    config.vectorIndexName().ifPresent(v -> out.put("vectorIndexName", v));
    config.vectorIndexLabel().ifPresent(v -> out.put("vectorIndexLabel", v));
    for (String key : ConfigKeys.WARM) {
      if (config.has(key)) out.put(key, config.raw(key));
    }
    return out;
  }

  /**
   * GDS's writeConcurrency, default the concurrency. Accepted and reported;
   * n2v writes its batches one after another (see the plugin README).
   */
  static long writeConcurrency(ProcedureConfig map) {
    long v = map.integer("writeConcurrency")
        .orElseGet(() -> map.integer("concurrency").orElse(Node2VecKeys.GDS_DEFAULT_CONCURRENCY));
    if (v < 1) {
      throw new IllegalArgumentException(
          "Configuration key 'writeConcurrency' must be at least 1, got " + v);
    }
    return v;
  }
}
