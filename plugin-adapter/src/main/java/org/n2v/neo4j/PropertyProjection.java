// One projected property of GDS's projections: the name it has in the
// graph, the Neo4j property it is read from, the value for entities without
// it, and (relationships) how parallel relationships combine it. Parses
// GDS's forms: 'p', ['p', 'q'], {p: 'neo4jProperty'} and
// {p: {property, defaultValue, aggregation}}.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

record PropertyProjection(String name, String property, Number defaultValue,
    Aggregation aggregation) {

  /** GDS's relationship aggregations; DEFAULT means NONE. */
  enum Aggregation {
    DEFAULT, NONE, SINGLE, SUM, MIN, MAX, COUNT;

    static Aggregation parse(Object value, String where) {
      if (value == null) return DEFAULT;
      if (value instanceof String s) {
        for (Aggregation a : values()) {
          if (a.name().equals(s.toUpperCase(Locale.ROOT))) return a;
        }
      }
      throw new IllegalArgumentException("Aggregation of " + where + " must be one of DEFAULT, "
          + "NONE, SINGLE, SUM, MIN, MAX, COUNT, got " + ProcedureConfig.describe(value));
    }

    /** Whether parallel relationships become one. */
    boolean merges() { return this != DEFAULT && this != NONE; }
  }

  private static final Set<String> KEYS = Set.of("property", "defaultValue", "aggregation");

  /** The projected properties in any of GDS's forms; `where` names them in errors. */
  static List<PropertyProjection> parseAll(Object spec, String where) {
    List<PropertyProjection> out = new ArrayList<>();
    if (spec == null) return out;
    if (spec instanceof String name) {
      out.add(new PropertyProjection(name, name, null, Aggregation.DEFAULT));
    } else if (spec instanceof List<?> list) {
      for (Object item : list) {
        if (!(item instanceof String name)) {
          throw new IllegalArgumentException("Properties of " + where + " must be property "
              + "names, got " + ProcedureConfig.describe(item));
        }
        out.add(new PropertyProjection(name, name, null, Aggregation.DEFAULT));
      }
    } else if (spec instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.add(parseOne(String.valueOf(e.getKey()), e.getValue(), where));
      }
    } else {
      throw new IllegalArgumentException("Properties of " + where + " must be a name, a list "
          + "or a map, got " + ProcedureConfig.describe(spec));
    }
    return out;
  }

  private static PropertyProjection parseOne(String name, Object value, String where) {
    if (value instanceof String property) {
      return new PropertyProjection(name, property, null, Aggregation.DEFAULT);
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("Property '" + name + "' of " + where + " must be a "
          + "Neo4j property name or a map, got " + ProcedureConfig.describe(value));
    }
    for (Object key : map.keySet()) {
      if (!KEYS.contains(String.valueOf(key))) {
        throw new IllegalArgumentException("Unknown key '" + key + "' in property '" + name
            + "' of " + where + ". Valid keys: aggregation, defaultValue, property");
      }
    }
    Object property = map.get("property");
    if (property != null && !(property instanceof String)) {
      throw new IllegalArgumentException("Key 'property' of property '" + name + "' of " + where
          + " must be a string, got " + ProcedureConfig.describe(property));
    }
    Object defaultValue = map.get("defaultValue");
    if (defaultValue != null && !(defaultValue instanceof Number)) {
      throw new IllegalArgumentException("Key 'defaultValue' of property '" + name + "' of "
          + where + " must be a number, got " + ProcedureConfig.describe(defaultValue));
    }
    return new PropertyProjection(name, property == null ? name : (String) property,
        (Number) defaultValue,
        Aggregation.parse(map.get("aggregation"), "property '" + name + "' of " + where));
  }

  /** GDS's echo of a property: {property, defaultValue, aggregation}. */
  Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("property", property);
    out.put("defaultValue", defaultValue);
    out.put("aggregation", aggregation.name());
    return out;
  }

  static Map<String, Object> toMap(List<PropertyProjection> properties) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (PropertyProjection p : properties) out.put(p.name(), p.toMap());
    return out;
  }
}
