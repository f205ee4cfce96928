// What the catalog keeps about a named graph beside the sidecar's graph:
// how it was projected (echoed by n2v.graph.list as `configuration`), its
// schema, GDS's counts and degree distribution, and which relationship
// properties have a weighted copy. Stored as JSON in the sidecar graph's
// SnapshotHeader.projection, so every Neo4j instance and client sees it.
package org.n2v.neo4j;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class GraphProjection {
  private static final Gson JSON = new GsonBuilder().serializeNulls()
      .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

  private final Map<String, Object> fields;

  private GraphProjection(Map<String, Object> fields) {
    this.fields = fields;
  }

  /**
   * `configuration` is the projection's configuration (GDS's echo: the
   * projections or query with the keys given); `nodeSchema` maps each label
   * to {property: description}, `relationshipSchema` each type to
   * {orientation, properties: {property: description}}.
   */
  static GraphProjection of(Map<String, Object> configuration,
      Map<String, Map<String, Object>> nodeSchema,
      Map<String, Map<String, Object>> relationshipSchema, ProjectionStats stats) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("configuration", configuration);
    fields.put("nodeSchema", nodeSchema);
    fields.put("relationshipSchema", relationshipSchema);
    fields.put("relationshipCount", stats.relationshipCount());
    fields.put("degreeDistribution", stats.degreeDistribution());
    fields.put("weights", stats.weights());
    fields.put("unusableWeights", stats.unusableWeights());
    return new GraphProjection(fields);
  }

  /**
   * The record of a graph this plugin projected; for a named graph another
   * client made (whose projection is free text), an empty one.
   */
  static GraphProjection fromJson(String json) {
    Map<String, Object> fields = null;
    try {
      fields = json.isEmpty() ? null
          : JSON.fromJson(json, new TypeToken<Map<String, Object>>() {}.getType());
    } catch (com.google.gson.JsonParseException notOurs) {
      // another client's text
    }
    return new GraphProjection(fields == null ? new LinkedHashMap<>() : fields);
  }

  /** Whether this plugin recorded the projection (false for another client's graph). */
  boolean recorded() { return fields.containsKey("relationshipCount"); }

  String toJson() { return JSON.toJson(fields); }

  @SuppressWarnings("unchecked")
  private <T> T get(String key, T fallback) {
    Object v = fields.get(key);
    return v == null ? fallback : (T) v;
  }

  Map<String, Object> configuration() { return get("configuration", Map.of()); }

  Map<String, Map<String, Object>> nodeSchema() { return get("nodeSchema", Map.of()); }

  Map<String, Map<String, Object>> relationshipSchema() {
    return get("relationshipSchema", Map.of());
  }

  /**
   * Projected label -> the Neo4j label it reads ('*': all): a native
   * projection's node projection; the identity for a Cypher projection.
   */
  Map<String, String> neo4jLabels() {
    Map<String, String> out = new LinkedHashMap<>();
    Object nodes = configuration().get("nodeProjection");
    for (String name : nodeSchema().keySet()) {
      Object entry = nodes instanceof Map<?, ?> m ? m.get(name) : null;
      Object label = entry instanceof Map<?, ?> e ? e.get("label") : null;
      out.put(name, label instanceof String l ? l
          : name.equals(NativeProjection.ALL) ? "*" : name);
    }
    return out;
  }

  long relationshipCount() { return get("relationshipCount", 0L); }

  Map<String, Object> degreeDistribution() { return get("degreeDistribution", Map.of()); }

  /** Relationship properties with a weighted copy on the sidecar. */
  List<String> weights() { return get("weights", List.of()); }

  /** Relationship properties that cannot weigh a run, and why. */
  Map<String, String> unusableWeights() { return get("unusableWeights", Map.of()); }
}
