// The groups of configuration keys the procedures compose their own from,
// as GDS composes its config interfaces (AlgoBaseConfig, WritePropertyConfig,
// ...). Each procedure's config type names the groups it takes.
package org.n2v.neo4j;

import java.util.Set;
import java.util.TreeSet;

final class ConfigKeys {
  private ConfigKeys() {}

  /** What an anonymous run reads from Neo4j (n2v's selection). */
  static final Set<String> SELECTION = Set.of(
      "nodeLabels", "relationshipTypes", "orientation", "relationshipWeightProperty");

  /** What a run on a named graph may filter and weigh by (GDS's algorithm keys). */
  static final Set<String> GRAPH_FILTER = Set.of(
      "nodeLabels", "relationshipTypes", "relationshipWeightProperty");

  /** node2vec's parameters, forwarded to the engine (Node2VecKeys). */
  static final Set<String> NODE2VEC = Node2VecKeys.FIELDS.keySet();

  /** GDS's BaseConfig (sudo, logProgress, username) and AlgoBaseConfig's jobId. */
  static final Set<String> BASE = Set.of("jobId", "sudo", "logProgress", "username");

  /** Writing vectors back to Neo4j (GDS's WritePropertyConfig, plus n2v's batches and index). */
  static final Set<String> WRITE = Set.of(
      "writeProperty", "writeConcurrency", "writeBatchSize", "vectorIndex", "vectorIndexName",
      "vectorIndexLabel", "vectorSimilarity");

  /** n2v.write's warm starts (anonymous runs only: they upload the stored vectors). */
  static final Set<String> WARM = Set.of("warmStart", "contextProperty", "incremental", "align");

  /** GDS's MutatePropertyConfig. */
  static final Set<String> MUTATE = Set.of("mutateProperty");

  static final Set<String> ALGO_ANONYMOUS = union(SELECTION, NODE2VEC, BASE);
  static final Set<String> ALGO_NAMED = union(GRAPH_FILTER, NODE2VEC, BASE);

  @SafeVarargs
  static Set<String> union(Set<String>... groups) {
    Set<String> out = new TreeSet<>();
    for (Set<String> g : groups) out.addAll(g);
    return Set.copyOf(out);
  }
}
