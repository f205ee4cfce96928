// What n2v.graph.project learns while it reads a projection, before the
// sidecar graph's header (which records it) can be sent: node and
// relationship counts as GDS reports them (relationshipCount sums the
// degrees, so an undirected relationship counts twice), the degree
// distribution, and which relationship properties can weigh node2vec's
// walks (every value finite and > 0 as a 32-bit float, what the sidecar
// takes) with the first value that rules one out.
package org.n2v.neo4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

final class ProjectionStats implements ProjectedGraph.Visitor {
  private final List<String> properties;
  private final String[] unusable;
  private final TreeMap<Long, Long> degrees = new TreeMap<>();
  private long nodes;
  private long relationships;

  ProjectionStats(List<String> properties) {
    this.properties = properties;
    this.unusable = new String[properties.size()];
  }

  @Override
  public void node(long id, long degree) {
    nodes++;
    relationships += degree;
    degrees.merge(degree, 1L, Long::sum);
  }

  @Override
  public void relationship(long source, long target, boolean undirected, double[] values) {
    for (int i = 0; i < unusable.length; i++) {
      if (unusable[i] != null) continue;
      float weight = (float) values[i];
      if (Float.isNaN(weight)) {
        unusable[i] = pair(source, target) + " has no value for it (give the projection a "
            + "defaultValue)";
      } else if (!(weight > 0) || Float.isInfinite(weight)) {
        unusable[i] = pair(source, target) + " has " + values[i] + " (weights must be finite "
            + "and > 0 as 32-bit floats)";
      }
    }
  }

  private static String pair(long source, long target) {
    return "the relationship from node " + source + " to node " + target;
  }

  long nodeCount() { return nodes; }

  long relationshipCount() { return relationships; }

  /** The properties that can be node2vec weights. */
  List<String> weights() {
    return properties.stream().filter(p -> unusable[properties.indexOf(p)] == null).toList();
  }

  /** Why the others cannot: property -> the first value that rules it out. */
  Map<String, String> unusableWeights() {
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < unusable.length; i++) {
      if (unusable[i] != null) out.put(properties.get(i), unusable[i]);
    }
    return out;
  }

  /** GDS's degreeDistribution: min, mean, max and percentiles of the degree. */
  Map<String, Object> degreeDistribution() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("min", degrees.isEmpty() ? 0L : degrees.firstKey());
    out.put("mean", nodes == 0 ? 0.0 : (double) relationships / nodes);
    out.put("max", degrees.isEmpty() ? 0L : degrees.lastKey());
    for (String[] p : new String[][] {{"p50", "0.5"}, {"p75", "0.75"}, {"p90", "0.9"},
        {"p95", "0.95"}, {"p99", "0.99"}, {"p999", "0.999"}}) {
      out.put(p[0], percentile(Double.parseDouble(p[1])));
    }
    return out;
  }

  /** The smallest degree at least `q` of the nodes have at most (nearest rank). */
  private long percentile(double q) {
    long rank = (long) Math.ceil(q * nodes);
    long seen = 0;
    for (Map.Entry<Long, Long> e : degrees.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) return e.getKey();
    }
    return 0;
  }
}
