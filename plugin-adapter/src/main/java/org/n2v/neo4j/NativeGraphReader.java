// Reads a native projection from Neo4j in the calling transaction: the
// nodes of its labels, and for each node the relationships of each
// relationship projection in its orientation (outgoing for NATURAL,
// incoming for REVERSE, both for UNDIRECTED). Parallel relationships of a
// projection that aggregates are combined per node pair, as GDS does. An
// undirected relationship is visited once, at its lower node id.
// Relationships to nodes outside the projection are skipped, or refused
// with validateRelationships.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

final class NativeGraphReader implements ProjectedGraph {
  private final Transaction tx;
  private final NativeProjection projection;
  private final boolean validateRelationships;
  private final TerminationGuard guard;
  private final List<String> properties;
  private final boolean allLabels;
  private final List<Label> labels = new ArrayList<>();
  private final Set<String> labelNames = new HashSet<>();

  NativeGraphReader(Transaction tx, NativeProjection projection, boolean validateRelationships,
      TerminationGuard guard) {
    this.tx = tx;
    this.projection = projection;
    this.validateRelationships = validateRelationships;
    this.guard = guard;
    this.allLabels = projection.nodes().stream().anyMatch(NativeProjection.NodeProjection::all);
    Set<String> names = new TreeSet<>();
    for (NativeProjection.RelationshipProjection r : projection.relationships()) {
      r.properties().forEach(p -> names.add(p.name()));
    }
    this.properties = List.copyOf(names);
    if (!allLabels) {
      for (NativeProjection.NodeProjection n : projection.nodes()) {
        if (labelNames.add(n.label())) labels.add(Label.label(n.label()));
      }
    }
    checkExists();
  }

  @Override
  public List<String> properties() { return properties; }

  /** Labels and types must be in the database, as GDS requires. */
  private void checkExists() {
    Set<String> existing = new TreeSet<>();
    tx.getAllLabelsInUse().forEach(l -> existing.add(l.name()));
    List<String> missing = labelNames.stream().filter(l -> !existing.contains(l)).sorted().toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("Could not find the node label(s) " + missing
          + " of the node projection. Labels in the database: " + existing);
    }
    Set<String> types = new TreeSet<>();
    tx.getAllRelationshipTypesInUse().forEach(t -> types.add(t.name()));
    List<String> missingTypes = projection.relationships().stream()
        .filter(r -> !r.all() && !types.contains(r.type()))
        .map(NativeProjection.RelationshipProjection::type).distinct().sorted().toList();
    if (!missingTypes.isEmpty()) {
      throw new IllegalArgumentException("Could not find the relationship type(s) "
          + missingTypes + " of the relationship projection. Relationship types in the "
          + "database: " + types);
    }
  }

  @Override
  public void visit(Visitor visitor) {
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
      visitNode(node, visitor);
    }
  }

  private boolean hasEarlierLabel(Node node, int labelIndex) {
    for (int j = 0; j < labelIndex; j++) {
      if (node.hasLabel(labels.get(j))) return true;
    }
    return false;
  }

  private boolean selected(Node node) {
    if (allLabels) return true;
    for (Label label : node.getLabels()) {
      if (labelNames.contains(label.name())) return true;
    }
    return false;
  }

  /** An adjacency entry of the node: the other end and the (combined) values. */
  private record Entry(long other, double[] values) {}

  private void visitNode(Node node, Visitor visitor) {
    long self = node.getId();
    long degree = 0;
    List<Runnable> emits = new ArrayList<>();
    for (NativeProjection.RelationshipProjection projection : projection.relationships()) {
      List<Entry> entries = entries(node, projection);
      for (Entry e : entries) {
        boolean undirected = projection.undirected();
        degree += undirected && e.other() == self ? 2 : 1;
        if (undirected && e.other() < self) continue;  // visited at the other end
        emits.add(() -> visitor.relationship(self, e.other(), undirected, e.values()));
      }
    }
    visitor.node(self, degree);
    emits.forEach(Runnable::run);
  }

  private List<Entry> entries(Node node, NativeProjection.RelationshipProjection projection) {
    Direction direction = switch (projection.orientation()) {
      case NATURAL -> Direction.OUTGOING;
      case REVERSE -> Direction.INCOMING;
      case UNDIRECTED -> Direction.BOTH;
    };
    Iterable<Relationship> relationships = projection.all()
        ? node.getRelationships(direction)
        : node.getRelationships(direction, RelationshipType.withName(projection.type()));
    RelationshipValues values = new RelationshipValues(properties, projection);
    List<Entry> entries = new ArrayList<>();
    Map<Long, RelationshipValues.Combined> merged = new LinkedHashMap<>();
    for (Relationship rel : relationships) {
      Node other = rel.getOtherNode(node);
      if (!selected(other)) {
        if (validateRelationships) {
          throw new IllegalArgumentException(RelationshipValues.describe(rel) + " leads to node "
              + other.getId() + ", which the node projection does not hold (validateRelationships"
              + " is true; set it to false to skip such relationships)");
        }
        continue;
      }
      double[] row = values.of(rel);
      if (projection.merges()) {
        merged.computeIfAbsent(other.getId(), id -> values.combiner()).add(row);
      } else {
        entries.add(new Entry(other.getId(), row));
      }
    }
    merged.forEach((other, combined) -> entries.add(new Entry(other, combined.values())));
    return entries;
  }
}
