// The subgraph a procedure call selects: nodes with any of the configured
// labels ('*' = all), and relationships of the configured types ('*' = all)
// whose both ends are selected. Visits nodes and relationships one at a
// time, so nothing is materialised.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.neo4j.graphdb.Direction;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

final class GraphSelection {
  interface Visitor {
    void node(Node node);
    /** A selected relationship, oriented as configured; weight is 1 when unweighted. */
    void edge(Relationship relationship, long source, long target, float weight);
  }

  private final Transaction tx;
  private final ProcedureConfig config;
  private final TerminationGuard guard;
  private final List<Label> labels = new ArrayList<>();
  private final Set<String> labelNames = new HashSet<>();
  private final RelationshipType[] types;
  private final boolean allLabels;
  private final String weightProperty;

  GraphSelection(Transaction tx, ProcedureConfig config, TerminationGuard guard) {
    this.tx = tx;
    this.config = config;
    this.guard = guard;
    List<String> labelList = config.nodeLabels();
    this.allLabels = labelList.contains("*");
    if (!allLabels) {
      Set<String> existing = new TreeSet<>();
      tx.getAllLabelsInUse().forEach(l -> existing.add(l.name()));
      List<String> missing = labelList.stream().filter(l -> !existing.contains(l)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("Could not find the specified nodeLabels " + missing
            + ". Labels in the database: " + existing);
      }
      for (String name : labelList) {
        labels.add(Label.label(name));
        labelNames.add(name);
      }
    }
    List<String> typeList = config.relationshipTypes();
    if (typeList.contains("*")) {
      this.types = null;
    } else {
      Set<String> existing = new TreeSet<>();
      tx.getAllRelationshipTypesInUse().forEach(t -> existing.add(t.name()));
      List<String> missing = typeList.stream().filter(t -> !existing.contains(t)).toList();
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("Could not find the specified relationshipTypes "
            + missing + ". Relationship types in the database: " + existing);
      }
      this.types = typeList.stream().map(RelationshipType::withName)
          .toArray(RelationshipType[]::new);
    }
    this.weightProperty = config.relationshipWeightProperty().orElse(null);
  }

  boolean weighted() { return weightProperty != null; }

  boolean directed() { return config.orientation() != ProcedureConfig.Orientation.UNDIRECTED; }

  boolean selected(Node node) {
    if (allLabels) return true;
    for (Label label : node.getLabels()) {
      if (labelNames.contains(label.name())) return true;
    }
    return false;
  }

  /** Visits every selected node, then its selected outgoing relationships. */
  void visit(Visitor visitor) {
    if (allLabels) {
      try (ResourceIterator<Node> nodes = tx.getAllNodes().iterator()) {
        visitNodes(nodes, 0, visitor);
      }
      return;
    }
    for (int i = 0; i < labels.size(); i++) {
      try (ResourceIterator<Node> nodes = tx.findNodes(labels.get(i))) {
        visitNodes(nodes, i, visitor);
      }
    }
  }

  private void visitNodes(ResourceIterator<Node> nodes, int labelIndex, Visitor visitor) {
    long seen = 0;
    while (nodes.hasNext()) {
      Node node = nodes.next();
      if (++seen % 4096 == 0) guard.check();
      if (!allLabels && hasEarlierLabel(node, labelIndex)) continue;  // visited already
      visitor.node(node);
      Iterable<Relationship> rels = types == null
          ? node.getRelationships(Direction.OUTGOING)
          : node.getRelationships(Direction.OUTGOING, types);
      for (Relationship rel : rels) {
        Node end = rel.getEndNode();
        if (!selected(end)) continue;
        float weight = weightProperty == null ? 1.0f : weightOf(rel);
        long start = node.getId();
        long stop = end.getId();
        if (config.orientation() == ProcedureConfig.Orientation.REVERSE) {
          visitor.edge(rel, stop, start, weight);
        } else {
          visitor.edge(rel, start, stop, weight);
        }
      }
    }
  }

  private boolean hasEarlierLabel(Node node, int labelIndex) {
    for (int j = 0; j < labelIndex; j++) {
      if (node.hasLabel(labels.get(j))) return true;
    }
    return false;
  }

  private static String render(Object value) {
    if (value instanceof String s) return "'" + s + "'";
    if (value.getClass().isArray()) {
      if (value instanceof Object[] a) return java.util.Arrays.deepToString(a);
      int n = java.lang.reflect.Array.getLength(value);
      StringBuilder out = new StringBuilder("[");
      for (int i = 0; i < n; i++) {
        if (i > 0) out.append(", ");
        out.append(java.lang.reflect.Array.get(value, i));
      }
      return out.append(']').toString();
    }
    return String.valueOf(value);
  }

  private float weightOf(Relationship rel) {
    Object value = rel.getProperty(weightProperty, null);
    String where = "Relationship " + rel.getId() + " (:" + rel.getType().name() + " from node "
        + rel.getStartNode().getId() + " to node " + rel.getEndNode().getId() + ")";
    if (value == null) {
      throw new IllegalArgumentException(where + " has no property '" + weightProperty
          + "' (relationshipWeightProperty). Give every selected relationship a weight, "
          + "or select only weighted ones with relationshipTypes.");
    }
    if (!(value instanceof Number number)) {
      throw new IllegalArgumentException(where + " has a non-numeric '" + weightProperty
          + "': " + value.getClass().getSimpleName() + " " + render(value)
          + ". relationshipWeightProperty must name a numeric property.");
    }
    double w = number.doubleValue();
    // The sidecar takes float32 weights: the value must stay finite and > 0 as one.
    float f = (float) w;
    if (!(f > 0) || Float.isInfinite(f)) {
      throw new IllegalArgumentException(where + " has weight " + w + " in '" + weightProperty
          + "'; weights must be finite and > 0 (as 32-bit floats: "
          + Float.MIN_VALUE + " to " + Float.MAX_VALUE + ").");
    }
    return f;
  }
}
