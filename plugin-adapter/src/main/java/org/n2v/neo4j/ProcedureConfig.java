// The configuration map of an n2v procedure call, checked and typed.
// Keys follow Neo4j GDS (gds.node2vec.*) so queries port by renaming the
// procedure. Unknown keys and wrong types are errors naming the key.
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

  /** Which keys a procedure accepts on top of the selection and sidecar keys. */
  enum Kind { STREAM, WRITE, ESTIMATE, FEATURES_STREAM, FEATURES_WRITE, JOBS }

  private static final Set<String> SELECTION = Set.of(
      "nodeLabels", "relationshipTypes", "orientation", "relationshipWeightProperty");
  private static final Set<String> SIDECAR = Set.of("sidecarAddress", "sidecarToken");
  private static final Set<String> NODE2VEC = Node2VecKeys.FIELDS.keySet();
  private static final Set<String> WRITE = Set.of(
      "writeProperty", "writeBatchSize", "vectorIndex", "vectorIndexName",
      "vectorIndexLabel", "vectorSimilarity");
  private static final Set<String> FEATURES = Set.of("jobId", "operator", "pairs");
  private static final Set<String> WARM = Set.of(
      "warmStart", "contextProperty", "incremental", "align");

  private final Map<String, Object> raw;
  private final Kind kind;

  private ProcedureConfig(Map<String, Object> raw, Kind kind) {
    this.raw = raw;
    this.kind = kind;
  }

  static ProcedureConfig parse(Map<String, Object> map, Kind kind) {
    Map<String, Object> raw = map == null ? Map.of() : map;
    Set<String> allowed = allowedKeys(kind);
    for (String key : raw.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException("Unknown configuration key '" + key + "'"
            + suggestion(key, allowed) + ". Valid keys: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
    ProcedureConfig config = new ProcedureConfig(raw, kind);
    config.validate();
    return config;
  }

  private static Set<String> allowedKeys(Kind kind) {
    Set<String> keys = new TreeSet<>(SIDECAR);
    switch (kind) {
      case STREAM, ESTIMATE -> {
        keys.addAll(SELECTION);
        keys.addAll(NODE2VEC);
      }
      case WRITE -> {
        keys.addAll(SELECTION);
        keys.addAll(NODE2VEC);
        keys.addAll(WRITE);
        keys.addAll(WARM);
      }
      case FEATURES_STREAM, FEATURES_WRITE -> {
        keys.addAll(SELECTION);
        keys.addAll(NODE2VEC);
        keys.addAll(FEATURES);
        if (kind == Kind.FEATURES_WRITE) {
          keys.add("writeProperty");
          keys.add("writeBatchSize");
        }
      }
      case JOBS -> { }
    }
    return keys;
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

  private IllegalArgumentException wrongType(String key, String expected) {
    Object value = raw.get(key);
    return new IllegalArgumentException("Configuration key '" + key + "' must be " + expected
        + ", got " + typeName(value) + " " + render(value));
  }

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

  private void validate() {
    if (kind == Kind.JOBS) return;
    nodeLabels();
    relationshipTypes();
    orientation();
    relationshipWeightProperty();
    sidecarAddress();
    sidecarToken();
    node2VecParams();
    if (kind == Kind.WRITE || kind == Kind.FEATURES_WRITE) {
      writeProperty();
      writeBatchSize();
    }
    if (kind == Kind.WRITE) {
      warmStart();
      contextProperty();
      writeParams();
      vectorIndex();
      if (vectorIndex() && embeddingDimension().orElse(0) > MAX_VECTOR_INDEX_DIMENSIONS) {
        throw new IllegalArgumentException("Configuration key 'embeddingDimension' must be at "
            + "most " + MAX_VECTOR_INDEX_DIMENSIONS + " with vectorIndex: true (Neo4j's vector "
            + "indexes take no more), got " + embeddingDimension().get());
      }
      vectorSimilarity();
      string("vectorIndexName");
      string("vectorIndexLabel");
    }
    if (kind == Kind.FEATURES_STREAM || kind == Kind.FEATURES_WRITE) {
      operator();
      jobId();
      pairs();
    }
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

  Optional<String> sidecarAddress() { return string("sidecarAddress"); }

  Optional<String> sidecarToken() { return string("sidecarToken"); }

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

  /** The map as given, for the `configuration` result column. */
  Map<String, Object> asMap() { return new LinkedHashMap<>(raw); }
}
