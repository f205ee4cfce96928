// The node and relationship projections of n2v.graph.project, in every
// form gds.graph.project accepts: a label or type, a list of them, '*', or
// a map from projected name to a label/type or to a map with its
// properties (and for relationships orientation and aggregation). The
// configuration's nodeProperties and relationshipProperties add properties
// to every projection, as in GDS.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

record NativeProjection(List<NodeProjection> nodes, List<RelationshipProjection> relationships) {
  /** GDS's name of the '*' projection. */
  static final String ALL = "__ALL__";

  record NodeProjection(String name, String label, List<PropertyProjection> properties) {
    boolean all() { return label.equals("*"); }
  }

  record RelationshipProjection(String name, String type, ProcedureConfig.Orientation orientation,
      PropertyProjection.Aggregation aggregation, boolean indexInverse,
      List<PropertyProjection> properties) {
    boolean all() { return type.equals("*"); }

    boolean undirected() { return orientation == ProcedureConfig.Orientation.UNDIRECTED; }

    /** Whether parallel relationships are combined into one (an aggregation other than NONE). */
    boolean merges() { return aggregation.merges(); }
  }

  private static final Set<String> NODE_KEYS = Set.of("label", "properties");
  private static final Set<String> RELATIONSHIP_KEYS =
      Set.of("type", "orientation", "aggregation", "indexInverse", "properties");

  static NativeProjection parse(Object nodeProjection, Object relationshipProjection,
      ProcedureConfig config) {
    List<PropertyProjection> nodeProperties =
        PropertyProjection.parseAll(config.raw("nodeProperties"), "the configuration");
    List<PropertyProjection> relationshipProperties =
        PropertyProjection.parseAll(config.raw("relationshipProperties"), "the configuration");
    return new NativeProjection(nodes(nodeProjection, nodeProperties),
        relationships(relationshipProjection, relationshipProperties));
  }

  // ------------------------------------------------------------ nodes

  private static List<NodeProjection> nodes(Object spec, List<PropertyProjection> extra) {
    List<NodeProjection> out = new ArrayList<>();
    if (spec instanceof String label) {
      out.add(node(label, label, null, extra));
    } else if (spec instanceof List<?> list && !list.isEmpty()) {
      for (Object item : list) {
        if (!(item instanceof String label)) {
          throw new IllegalArgumentException("A node projection list must hold labels, got "
              + ProcedureConfig.describe(item));
        }
        out.add(node(label, label, null, extra));
      }
    } else if (spec instanceof Map<?, ?> map && !map.isEmpty()) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String name = String.valueOf(e.getKey());
        Object value = e.getValue();
        if (value instanceof String label) {
          out.add(node(name, label, null, extra));
        } else if (value instanceof Map<?, ?> m) {
          checkKeys(m, NODE_KEYS, "node projection '" + name + "'");
          Object label = m.get("label");
          if (label != null && !(label instanceof String)) {
            throw new IllegalArgumentException("Key 'label' of node projection '" + name
                + "' must be a string, got " + ProcedureConfig.describe(label));
          }
          out.add(node(name, label == null ? name : (String) label, m.get("properties"), extra));
        } else {
          throw new IllegalArgumentException("Node projection '" + name + "' must be a label or "
              + "a map, got " + ProcedureConfig.describe(value));
        }
      }
    } else {
      throw new IllegalArgumentException("The node projection must be a label, a list of "
          + "labels, '*' or a map, got " + ProcedureConfig.describe(spec));
    }
    return out;
  }

  private static NodeProjection node(String name, String label, Object properties,
      List<PropertyProjection> extra) {
    String projected = label.equals("*") && name.equals("*") ? ALL : name;
    List<PropertyProjection> all = new ArrayList<>(
        PropertyProjection.parseAll(properties, "node projection '" + projected + "'"));
    all.addAll(extra);
    return new NodeProjection(projected, label, List.copyOf(all));
  }

  // ------------------------------------------------------------ relationships

  private static List<RelationshipProjection> relationships(Object spec,
      List<PropertyProjection> extra) {
    List<RelationshipProjection> out = new ArrayList<>();
    if (spec instanceof String type) {
      out.add(relationship(type, Map.of("type", type), extra));
    } else if (spec instanceof List<?> list && !list.isEmpty()) {
      for (Object item : list) {
        if (!(item instanceof String type)) {
          throw new IllegalArgumentException("A relationship projection list must hold types, "
              + "got " + ProcedureConfig.describe(item));
        }
        out.add(relationship(type, Map.of("type", type), extra));
      }
    } else if (spec instanceof Map<?, ?> map && !map.isEmpty()) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String name = String.valueOf(e.getKey());
        Object value = e.getValue();
        if (value instanceof String type) {
          out.add(relationship(name, Map.of("type", type), extra));
        } else if (value instanceof Map<?, ?> m) {
          checkKeys(m, RELATIONSHIP_KEYS, "relationship projection '" + name + "'");
          out.add(relationship(name, m, extra));
        } else {
          throw new IllegalArgumentException("Relationship projection '" + name + "' must be a "
              + "type or a map, got " + ProcedureConfig.describe(value));
        }
      }
    } else {
      throw new IllegalArgumentException("The relationship projection must be a type, a list of "
          + "types, '*' or a map, got " + ProcedureConfig.describe(spec));
    }
    return out;
  }

  private static RelationshipProjection relationship(String name, Map<?, ?> spec,
      List<PropertyProjection> extra) {
    Object type = spec.get("type");
    if (type != null && !(type instanceof String)) {
      throw new IllegalArgumentException("Key 'type' of relationship projection '" + name
          + "' must be a string, got " + ProcedureConfig.describe(type));
    }
    String typeName = type == null ? name : (String) type;
    String projected = typeName.equals("*") && name.equals("*") ? ALL : name;
    String where = "relationship projection '" + projected + "'";
    PropertyProjection.Aggregation aggregation =
        PropertyProjection.Aggregation.parse(spec.get("aggregation"), where);
    List<PropertyProjection> properties =
        new ArrayList<>(PropertyProjection.parseAll(spec.get("properties"), where));
    properties.addAll(extra);
    for (PropertyProjection p : properties) {
      if (p.aggregation().merges() != aggregation.merges()
          && p.aggregation() != PropertyProjection.Aggregation.DEFAULT) {
        throw new IllegalArgumentException("Property '" + p.name() + "' of " + where
            + " has aggregation " + p.aggregation() + " but the relationships have aggregation "
            + aggregation + ": either both combine parallel relationships or neither does");
      }
    }
    Object indexInverse = spec.get("indexInverse");
    if (indexInverse != null && !(indexInverse instanceof Boolean)) {
      throw new IllegalArgumentException("Key 'indexInverse' of " + where
          + " must be a boolean, got " + ProcedureConfig.describe(indexInverse));
    }
    return new RelationshipProjection(projected, typeName, orientation(spec.get("orientation"),
        where), aggregation, Boolean.TRUE.equals(indexInverse), List.copyOf(properties));
  }

  private static ProcedureConfig.Orientation orientation(Object value, String where) {
    if (value == null) return ProcedureConfig.Orientation.NATURAL;
    if (value instanceof String s) {
      for (ProcedureConfig.Orientation o : ProcedureConfig.Orientation.values()) {
        if (o.name().equals(s.toUpperCase(Locale.ROOT))) return o;
      }
    }
    throw new IllegalArgumentException("Orientation of " + where + " must be NATURAL, REVERSE "
        + "or UNDIRECTED, got " + ProcedureConfig.describe(value));
  }

  private static void checkKeys(Map<?, ?> map, Set<String> allowed, String where) {
    for (Object key : map.keySet()) {
      if (!allowed.contains(String.valueOf(key))) {
        throw new IllegalArgumentException("Unknown key '" + key + "' in " + where
            + ". Valid keys: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  // ------------------------------------------------------------ what it holds

  /** Whether every relationship projection is UNDIRECTED: the sidecar graph is then undirected. */
  boolean undirected() {
    return !relationships.isEmpty()
        && relationships.stream().allMatch(RelationshipProjection::undirected);
  }

  /** GDS's nodeProjection column: {name: {label, properties}}. */
  Map<String, Object> nodeProjectionMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (NodeProjection n : nodes) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("label", n.label());
      entry.put("properties", PropertyProjection.toMap(n.properties()));
      out.put(n.name(), entry);
    }
    return out;
  }

  /** GDS's relationshipProjection column: {name: {type, orientation, aggregation, ...}}. */
  Map<String, Object> relationshipProjectionMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RelationshipProjection r : relationships) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", r.type());
      entry.put("orientation", r.orientation().name());
      entry.put("aggregation", r.aggregation().name());
      entry.put("indexInverse", r.indexInverse());
      entry.put("properties", PropertyProjection.toMap(r.properties()));
      out.put(r.name(), entry);
    }
    return out;
  }
}
