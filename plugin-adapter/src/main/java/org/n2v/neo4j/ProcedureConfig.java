// The configuration map of an n2v procedure call, checked and typed: a key
// the procedure's config type does not name (ConfigKeys composes them) is
// an error suggesting the nearest one, and each accessor reads one key,
// a wrong type being an error naming the key. Keys follow Neo4j GDS
// (gds.node2vec.*, gds.graph.*) so queries port by renaming the procedure.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.n2v.grpc.v1.EdgeOperator;
import org.n2v.grpc.v1.Node2VecParams;

final class ProcedureConfig {
  enum Orientation { NATURAL, REVERSE, UNDIRECTED }

  private final Map<String, Object> raw;

  private ProcedureConfig(Map<String, Object> raw) {
    this.raw = raw;
  }

  /**
   * The map of a call that accepts `allowed` (each procedure's config type
   * names its keys, composed from ConfigKeys); an unknown key is an error
   * that suggests the nearest valid one.
   */
  static ProcedureConfig parse(Map<String, Object> map, Set<String> allowed) {
    Map<String, Object> raw = map == null ? Map.of() : map;
    for (String key : raw.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException("Unknown configuration key '" + key + "'"
            + suggestion(key, allowed) + (allowed.isEmpty() ? ": this procedure takes none"
                : ". Valid keys: " + String.join(", ", new TreeSet<>(allowed))));
      }
    }
    return new ProcedureConfig(raw);
  }

  private static String suggestion(String key, Set<String> allowed) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : allowed) {
      int d = editDistance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ------------------------------------------------------------ typed access

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }

  /** "String 'ten'", "Double 2.5": a value as error messages show it. */
  static String describe(Object value) {
    return typeName(value) + " " + render(value);
  }

  private IllegalArgumentException wrongType(String key, String expected) {
    return new IllegalArgumentException("Configuration key '" + key + "' must be " + expected
        + ", got " + describe(raw.get(key)));
  }

  /** The value as given, unchecked; null when absent. */
  Object raw(String key) { return raw.get(key); }

  boolean has(String key) { return raw.containsKey(key); }

  private static String render(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  Optional<Long> integer(String key) {
    Object v = raw.get(key);
    if (v == null) return Optional.empty();
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return Optional.of(((Number) v).longValue());
    }
    if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      return Optional.of(d.longValue());
    }
    throw wrongType(key, "an integer");
  }

  Optional<Double> number(String key) {
    Object v = raw.get(key);
    if (v == null) return Optional.empty();
    if (v instanceof Number n) return Optional.of(n.doubleValue());
    throw wrongType(key, "a number");
  }

  Optional<Boolean> bool(String key) {
    Object v = raw.get(key);
    if (v == null) return Optional.empty();
    if (v instanceof Boolean b) return Optional.of(b);
    throw wrongType(key, "a boolean");
  }

  Optional<String> string(String key) {
    Object v = raw.get(key);
    if (v == null) return Optional.empty();
    if (v instanceof String s) return Optional.of(s);
    throw wrongType(key, "a string");
  }

  /** A string or a list of strings; absent means ["*"]. */
  List<String> stringList(String key) {
    Object v = raw.get(key);
    if (v == null) return List.of("*");
    if (v instanceof String s) return List.of(s);
    if (v instanceof List<?> list) {
      List<String> out = new ArrayList<>();
      for (Object item : list) {
        if (!(item instanceof String s)) throw wrongType(key, "a string or a list of strings");
        out.add(s);
      }
      if (out.isEmpty()) throw new IllegalArgumentException(
          "Configuration key '" + key + "' must not be an empty list; use '*' for all");
      return out;
    }
    throw wrongType(key, "a string or a list of strings");
  }

  private long positive(String key, long fallback, long max) {
    long v = integer(key).orElse(fallback);
    if (v < 1 || v > max) {
      throw new IllegalArgumentException(
          "Configuration key '" + key + "' must be between 1 and " + max + ", got " + v);
    }
    return v;
  }

  // ------------------------------------------------------------ selection

  List<String> nodeLabels() { return stringList("nodeLabels"); }

  List<String> relationshipTypes() { return stringList("relationshipTypes"); }

  Orientation orientation() {
    String v = string("orientation").orElse("NATURAL");
    try {
      return Orientation.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Configuration key 'orientation' must be NATURAL, "
          + "REVERSE or UNDIRECTED, got '" + v + "'");
    }
  }

  Optional<String> relationshipWeightProperty() { return string("relationshipWeightProperty"); }

  // ------------------------------------------------------------ node2vec

  /** The node2vec keys as given, forwarded; the sidecar checks them. */
  Node2VecParams node2VecParams() { return Node2VecKeys.params(this, Node2VecKeys.FIELDS); }

  /** The embedding dimension the user asked for, if any. */
  Optional<Integer> embeddingDimension() {
    return integer("embeddingDimension").map(Long::intValue);
  }

  /** Neo4j's vector indexes hold at most this many dimensions. */
  static final int MAX_VECTOR_INDEX_DIMENSIONS = 4096;

  // ------------------------------------------------------------ warm starts

  boolean warmStart() { return bool("warmStart").orElse(false); }

  /** Where the context vectors of warm starts live: writeProperty + "Context". */
  String contextProperty() {
    return string("contextProperty").orElseGet(() -> writeProperty() + "Context");
  }

  /**
   * node2VecParams plus the warm-start keys of n2v.write, forwarded: the
   * engine decides the warm learning rate, alignment and incremental starts.
   */
  Node2VecParams writeParams() {
    Node2VecParams.Builder p = node2VecParams().toBuilder();
    Node2VecParams warm = Node2VecKeys.params(this, Node2VecKeys.WARM_FIELDS);
    if (warm.hasAlign()) p.setAlign(warm.getAlign());
    return p.setWarmStart(warm.getWarmStart()).setIncremental(warm.getIncremental()).build();
  }

  /**
   * The sidecar snapshot name of this selection and write property: the same
   * for every run of the same job, so the sidecar can tell what changed.
   */
  String snapshotName() {
    return "neo4j:n2v.write:" + writeProperty() + ":" + String.join("|", nodeLabels()) + ":"
        + String.join("|", relationshipTypes()) + ":" + orientation();
  }

  // ------------------------------------------------------------ writing

  String writeProperty() {
    String v = string("writeProperty").orElseThrow(() -> new IllegalArgumentException(
        "Configuration key 'writeProperty' is required: the node property to write"));
    if (v.isBlank()) throw new IllegalArgumentException(
        "Configuration key 'writeProperty' must not be blank");
    return v;
  }

  int writeBatchSize() { return (int) positive("writeBatchSize", 10_000, 10_000_000); }

  boolean vectorIndex() { return bool("vectorIndex").orElse(false); }

  Optional<String> vectorIndexName() { return string("vectorIndexName"); }

  Optional<String> vectorIndexLabel() { return string("vectorIndexLabel"); }

  String vectorSimilarity() {
    String v = string("vectorSimilarity").orElse("cosine").toLowerCase(Locale.ROOT);
    if (!v.equals("cosine") && !v.equals("euclidean")) {
      throw new IllegalArgumentException(
          "Configuration key 'vectorSimilarity' must be 'cosine' or 'euclidean', got '" + v + "'");
    }
    return v;
  }

  // ------------------------------------------------------------ edge features

  EdgeOperator operator() {
    String v = string("operator").orElse("HADAMARD");
    return switch (v.toUpperCase(Locale.ROOT).replace('-', '_')) {
      case "AVERAGE" -> EdgeOperator.EDGE_OPERATOR_AVERAGE;
      case "HADAMARD" -> EdgeOperator.EDGE_OPERATOR_HADAMARD;
      case "WEIGHTED_L1", "L1" -> EdgeOperator.EDGE_OPERATOR_WEIGHTED_L1;
      case "WEIGHTED_L2", "L2" -> EdgeOperator.EDGE_OPERATOR_WEIGHTED_L2;
      case "COSINE" -> EdgeOperator.EDGE_OPERATOR_COSINE;
      case "DOT" -> EdgeOperator.EDGE_OPERATOR_DOT;
      default -> throw new IllegalArgumentException("Configuration key 'operator' must be "
          + "AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, COSINE or DOT, got '" + v + "'");
    };
  }

  Optional<String> jobId() { return string("jobId"); }

  /** Explicit pairs: a list of [sourceNodeId, targetNodeId] lists, or null. */
  Optional<long[][]> pairs() {
    Object v = raw.get("pairs");
    if (v == null) return Optional.empty();
    if (!(v instanceof List<?> list)) throw wrongType("pairs", "a list of [source, target] lists");
    long[][] out = new long[list.size()][];
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof List<?> pair) || pair.size() != 2
          || !(pair.get(0) instanceof Number a) || !(pair.get(1) instanceof Number b)) {
        throw new IllegalArgumentException("Configuration key 'pairs' must be a list of "
            + "[sourceNodeId, targetNodeId] lists; element " + i + " is " + render(list.get(i)));
      }
      out[i] = new long[] {a.longValue(), b.longValue()};
    }
    return Optional.of(out);
  }

  /** The map as given. */
  Map<String, Object> asMap() { return new LinkedHashMap<>(raw); }

  // ------------------------------------------------------------ GDS base keys

  /** GDS's jobId: the caller's id for following the job; a random UUID when not given. */
  String trackingId() {
    return string("jobId").orElseGet(() -> java.util.UUID.randomUUID().toString());
  }

  boolean logProgress() { return bool("logProgress").orElse(true); }

  boolean sudo() { return bool("sudo").orElse(false); }

  Optional<String> username() { return string("username"); }
}
