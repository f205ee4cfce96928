// The node2vec keys of the procedures: each GDS key (gds.node2vec.*) and the
// Node2VecParams field it sets. The plugin forwards what a user wrote and
// keeps no rule of its own: defaults, limits and warm-start policy are the
// engine's, applied by the sidecar, whose errors name the proto field; this
// table turns them back into the key the user wrote.
package org.n2v.neo4j;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.n2v.grpc.v1.IsolatedNodes;
import org.n2v.grpc.v1.Node2VecParams;
import org.neo4j.graphdb.Node;

final class Node2VecKeys {
  /** GDS key -> Node2VecParams field, in the order of the proto. */
  static final Map<String, String> FIELDS = fields();

  /** Keys of n2v.write's warm starts -> Node2VecParams field. */
  static final Map<String, String> WARM_FIELDS =
      Map.of("warmStart", "warm_start", "incremental", "incremental", "align", "align");

  /** GDS's default concurrency: GDS procedures run on 4 threads unless told. */
  static final long GDS_DEFAULT_CONCURRENCY = 4;

  private static final Pattern PROTO_FIELD = Pattern.compile("params\\.([a-z_]+)");

  private Node2VecKeys() {}

  private static Map<String, String> fields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("walkLength", "walk_length");
    m.put("walksPerNode", "walks_per_node");
    m.put("returnFactor", "return_factor");
    m.put("inOutFactor", "in_out_factor");
    m.put("windowSize", "window_size");
    m.put("negativeSamplingRate", "negative_sampling_rate");
    m.put("embeddingDimension", "embedding_dimension");
    m.put("iterations", "iterations");
    m.put("initialLearningRate", "initial_learning_rate");
    m.put("minLearningRate", "min_learning_rate");
    m.put("randomSeed", "random_seed");
    m.put("concurrency", "concurrency");
    m.put("deterministic", "deterministic");
    m.put("positiveSamplingFactor", "positive_sampling_factor");
    m.put("negativeSamplingExponent", "negative_sampling_exponent");
    m.put("isolatedNodes", "isolated_nodes");
    m.put("embeddingInitializer", "embedding_initializer");
    m.put("walkBufferSize", "walk_buffer_size");
    m.put("sourceNodes", "walk_from");
    return Map.copyOf(m);
  }

  /** The parameters the user set (and GDS's concurrency), unchecked. */
  static Node2VecParams params(ProcedureConfig config, Map<String, String> fields) {
    Node2VecParams.Builder p = Node2VecParams.newBuilder();
    p.setConcurrency((int) GDS_DEFAULT_CONCURRENCY);
    fields.forEach((key, field) -> set(config, key, field, p));
    return p.build();
  }

  private static void set(ProcedureConfig config, String key, String field,
      Node2VecParams.Builder p) {
    FieldDescriptor f = Node2VecParams.getDescriptor().findFieldByName(field);
    if (f.isRepeated()) {
      nodeIds(config, key).forEach(id -> p.addRepeatedField(f, id));
      return;
    }
    switch (f.getJavaType()) {
      case INT -> config.integer(key).ifPresent(v -> p.setField(f, (int) unsigned32(key, v)));
      case LONG -> config.integer(key).ifPresent(v -> p.setField(f, v));
      case FLOAT -> config.number(key).ifPresent(v -> p.setField(f, v.floatValue()));
      case DOUBLE -> config.number(key).ifPresent(v -> p.setField(f, v));
      case BOOLEAN -> config.bool(key).ifPresent(v -> p.setField(f, v));
      case ENUM -> config.string(key).ifPresent(v -> p.setField(f, enumValue(key, f, v)));
      default -> throw new IllegalStateException("unmapped field " + field);
    }
  }

  /** A count must fit the proto's unsigned 32 bits; its range is the engine's. */
  private static long unsigned32(String key, long value) {
    if (value < 0 || value > 0xffffffffL) {
      throw new IllegalArgumentException("Configuration key '" + key
          + "' must be a non-negative integer below 2^32, got " + value);
    }
    return value;
  }

  private static EnumValueDescriptor enumValue(String key, FieldDescriptor f, String value) {
    if (f.getEnumType() == IsolatedNodes.getDescriptor()) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "random" -> IsolatedNodes.ISOLATED_NODES_RANDOM.getValueDescriptor();
        case "zero" -> IsolatedNodes.ISOLATED_NODES_ZERO.getValueDescriptor();
        default -> throw new IllegalArgumentException(
            "Configuration key '" + key + "' must be 'random' or 'zero', got '" + value + "'");
      };
    }
    // GDS's enums: the name without the proto prefix, in any case.
    String prefix = enumPrefix(f);
    EnumValueDescriptor found =
        f.getEnumType().findValueByName(prefix + value.toUpperCase(Locale.ROOT));
    if (found == null) {
      List<String> names = new ArrayList<>();
      for (EnumValueDescriptor v : f.getEnumType().getValues()) {
        names.add(v.getName().substring(prefix.length()));
      }
      throw new IllegalArgumentException("Configuration key '" + key + "' must be one of "
          + String.join(", ", names) + ", got '" + value + "'");
    }
    return found;
  }

  /** "EMBEDDING_INITIALIZER_" for EmbeddingInitializer. */
  private static String enumPrefix(FieldDescriptor f) {
    return f.getEnumType().getName().replaceAll("([a-z])([A-Z])", "$1_$2")
        .toUpperCase(Locale.ROOT) + "_";
  }

  /** GDS's sourceNodes: a list of node ids or nodes. */
  private static List<Long> nodeIds(ProcedureConfig config, String key) {
    Object value = config.raw(key);
    if (value == null) return List.of();
    List<?> items = value instanceof List<?> list ? list : List.of(value);
    List<Long> ids = new ArrayList<>(items.size());
    for (Object item : items) {
      if (item instanceof Node node) {
        ids.add(node.getId());
      } else if (item instanceof Long || item instanceof Integer) {
        ids.add(((Number) item).longValue());
      } else {
        throw new IllegalArgumentException("Configuration key '" + key + "' must be a list of "
            + "node ids or nodes, got " + ProcedureConfig.describe(item));
      }
    }
    return ids;
  }

  /**
   * The parameters as GDS keys with their values, e.g. for the
   * `configuration` column: the engine's defaults are filled in when
   * `params` is what the sidecar resolved (Job.params, Estimate.params).
   */
  static Map<String, Object> configuration(Node2VecParams params) {
    Map<String, Object> out = new TreeMap<>();
    FIELDS.forEach((key, field) -> {
      FieldDescriptor f = Node2VecParams.getDescriptor().findFieldByName(field);
      Object value = params.getField(f);
      if (f.isRepeated()) {
        out.put(key, new ArrayList<>((List<?>) value));
      } else if (value instanceof EnumValueDescriptor e) {
        String name = e.getName().substring(enumPrefix(f).length());
        out.put(key, f.getEnumType() == IsolatedNodes.getDescriptor()
            ? name.toLowerCase(Locale.ROOT) : name);
      } else if (value instanceof Integer i) {
        out.put(key, i.longValue() & 0xffffffffL);
      } else if (value instanceof Float x) {
        out.put(key, Double.parseDouble(Float.toString(x)));
      } else {
        out.put(key, value);
      }
    });
    return out;
  }

  /** The GDS key of a Node2VecParams field, if it has one. */
  static Optional<String> keyOf(String field) {
    for (Map<String, String> table : java.util.List.of(FIELDS, WARM_FIELDS)) {
      for (Map.Entry<String, String> e : table.entrySet()) {
        if (e.getValue().equals(field)) return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  /**
   * A sidecar message in the user's terms: "params.walk_length must be ..."
   * becomes "Configuration key 'walkLength' must be ...", and later field
   * names become their keys.
   */
  static String inUserTerms(String message) {
    Matcher m = PROTO_FIELD.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Optional<String> key = keyOf(m.group(1));
      String replacement = key.isEmpty() ? m.group()
          : m.start() == 0 ? "Configuration key '" + key.get() + "'" : "'" + key.get() + "'";
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
