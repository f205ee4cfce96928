// The values one relationship projection gives a relationship: for every
// projected relationship property of the graph, the Neo4j property's value,
// its defaultValue when the relationship has none, or NaN (no value, or a
// property of another projection). Non-numeric values are refused, as GDS
// refuses them. Combines parallel relationships with each property's
// aggregation (SINGLE, SUM, MIN, MAX, COUNT).
package org.n2v.neo4j;

import java.util.Arrays;
import java.util.List;
import org.neo4j.graphdb.Relationship;

final class RelationshipValues {
  private final PropertyProjection[] byIndex;
  private final PropertyProjection.Aggregation[] aggregations;

  RelationshipValues(List<String> graphProperties,
      NativeProjection.RelationshipProjection projection) {
    byIndex = new PropertyProjection[graphProperties.size()];
    aggregations = new PropertyProjection.Aggregation[graphProperties.size()];
    for (PropertyProjection p : projection.properties()) {
      int i = graphProperties.indexOf(p.name());
      byIndex[i] = p;
      aggregations[i] = p.aggregation() == PropertyProjection.Aggregation.DEFAULT
          ? projection.aggregation() : p.aggregation();
    }
  }

  /** "Relationship 7 (:T from node 1 to node 2)". */
  static String describe(Relationship rel) {
    return "Relationship " + rel.getId() + " (:" + rel.getType().name() + " from node "
        + rel.getStartNode().getId() + " to node " + rel.getEndNode().getId() + ")";
  }

  double[] of(Relationship rel) {
    double[] out = new double[byIndex.length];
    Arrays.fill(out, Double.NaN);
    for (int i = 0; i < byIndex.length; i++) {
      PropertyProjection p = byIndex[i];
      if (p == null) continue;
      Object value = rel.getProperty(p.property(), null);
      if (value == null) {
        if (p.defaultValue() != null) out[i] = p.defaultValue().doubleValue();
      } else if (value instanceof Number n) {
        out[i] = n.doubleValue();
      } else {
        throw new IllegalArgumentException(describe(rel) + " has a non-numeric '" + p.property()
            + "': " + ProcedureConfig.describe(value) + ". Projected relationship properties "
            + "must be numeric.");
      }
    }
    return out;
  }

  Combined combiner() { return new Combined(); }

  /** Parallel relationships of one node pair, combined. */
  final class Combined {
    private final double[] values = new double[byIndex.length];
    private long count;

    void add(double[] row) {
      for (int i = 0; i < values.length; i++) {
        if (byIndex[i] == null) {
          values[i] = Double.NaN;
          continue;
        }
        double v = row[i];
        values[i] = count == 0 ? first(aggregations[i], v) : switch (aggregations[i]) {
          case SUM -> values[i] + v;
          case MIN -> Math.min(values[i], v);
          case MAX -> Math.max(values[i], v);
          case COUNT -> values[i] + 1;
          default -> values[i];  // SINGLE: the first
        };
      }
      count++;
    }

    private static double first(PropertyProjection.Aggregation aggregation, double v) {
      return aggregation == PropertyProjection.Aggregation.COUNT ? 1 : v;
    }

    double[] values() { return values.clone(); }
  }
}
