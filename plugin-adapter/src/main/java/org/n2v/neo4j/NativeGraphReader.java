// Reads a native projection from Neo4j in the calling transaction: the
// nodes of its labels, and for each node the relationships of each
// relationship projection in its orientation (outgoing for NATURAL,
// incoming for REVERSE, both for UNDIRECTED). Parallel relationships of a
// projection that aggregates are combined per node pair, as GDS does. An
// undirected relationship is visited once, at its lower node id.
// Relationships to nodes outside the projection are skipped, or refused
// with validateRelationships.
//
// A bounded visit (the caller holds the projection in memory anyway) first
// indexes the projected nodes from the label index, so that a relationship's
// other end is checked against the index rather than its labels, and keeps
// every node's degree until the end. A projection that no message can
// depend on the order of (the graph has no relationship properties, it does
// not aggregate, and validateRelationships cannot fail) is then read once
// through the kernel's cursors: by one scan of the relationship store when
// its relationships are at least a quarter of the store's (Neo4j's counts),
// else from each projected node (an UNDIRECTED one from the start node of
// each relationship only, counting the degree at both ends). Nodes,
// relationships, degrees, checks and messages are the same as node by node.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.Arrays;
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
import org.neo4j.internal.kernel.api.NodeCursor;
import org.neo4j.internal.kernel.api.Read;
import org.neo4j.internal.kernel.api.RelationshipScanCursor;
import org.neo4j.internal.kernel.api.RelationshipTraversalCursor;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.procedure.TerminationGuard;
import org.neo4j.storageengine.api.RelationshipSelection;
import org.neo4j.token.api.TokenConstants;

final class NativeGraphReader implements ProjectedGraph {
  /** The share of the relationship store from which the projections read once scan it. */
  static final double SCAN_SHARE = 0.25;
  private static final double[] NO_VALUES = new double[0];

  private final Transaction tx;
  private final NativeProjection projection;
  private final boolean validateRelationships;
  private final TerminationGuard guard;
  private final List<String> properties;
  private final boolean allLabels;
  private final List<Label> labels = new ArrayList<>();
  private final Set<String> labelNames = new HashSet<>();
  /** Per relationship projection: its values, direction and type (null: '*'). */
  private final List<NativeProjection.RelationshipProjection> relationships;
  private final RelationshipValues[] values;
  private final Direction[] directions;
  private final RelationshipType[] types;
  /** Whether a bounded visit reads each relationship of the projection once, in any order. */
  private final boolean[] once;
  private final double scanShare;

  NativeGraphReader(Transaction tx, NativeProjection projection, boolean validateRelationships,
      TerminationGuard guard) {
    this(tx, projection, validateRelationships, guard, SCAN_SHARE);
  }

  /** As above; the projections read once scan the store from `scanShare` of it. */
  NativeGraphReader(Transaction tx, NativeProjection projection, boolean validateRelationships,
      TerminationGuard guard, double scanShare) {
    this.scanShare = scanShare;
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
    this.relationships = projection.relationships();
    int n = relationships.size();
    this.values = new RelationshipValues[n];
    this.directions = new Direction[n];
    this.types = new RelationshipType[n];
    this.once = new boolean[n];
    for (int i = 0; i < n; i++) {
      NativeProjection.RelationshipProjection r = relationships.get(i);
      values[i] = new RelationshipValues(properties, r);
      directions[i] = switch (r.orientation()) {
        case NATURAL -> Direction.OUTGOING;
        case REVERSE -> Direction.INCOMING;
        case UNDIRECTED -> Direction.BOTH;
      };
      types[i] = r.all() ? null : RelationshipType.withName(r.type());
      // The first value that rules a property out as a weight (NaN included: a projection
      // without the property gives NaN) and the first relationship validateRelationships
      // refuses are named in messages, so they must come in the order read node by node.
      // Aggregation combines a pair's relationships from both directions at one node.
      once[i] = properties.isEmpty() && !r.merges() && (allLabels || !validateRelationships);
    }
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

  /**
   * From Neo4j's counts: the nodes with any of the labels, and per
   * projection the relationships of its type that start (NATURAL), end
   * (REVERSE) or both start and end (UNDIRECTED: the fewer) at one of them.
   */
  @Override
  public Bounds bounds() {
    try {
      KernelTransaction ktx = ((InternalTransaction) tx).kernelTransaction();
      long relationships = 0;
      for (int p = 0; p < this.relationships.size(); p++) {
        relationships += relationshipBound(ktx, p);
      }
      return new Bounds(nodeBound(ktx), relationships);
    } catch (RuntimeException | LinkageError e) {
      return null;  // unknown: the projection is read twice
    }
  }

  /** At most the nodes the projection holds, from Neo4j's counts. */
  private long nodeBound(KernelTransaction ktx) {
    if (allLabels) return ktx.dataRead().nodesGetCount();
    long nodes = 0;
    for (int label : labelIds(ktx)) nodes += ktx.dataRead().countsForNode(label);
    return nodes;
  }

  private int[] labelIds(KernelTransaction ktx) {
    return labels.stream().mapToInt(l -> ktx.tokenRead().nodeLabel(l.name())).toArray();
  }

  private int typeId(KernelTransaction ktx, int p) {
    return types[p] == null ? TokenConstants.ANY_RELATIONSHIP_TYPE
        : ktx.tokenRead().relationshipType(types[p].name());
  }

  /** At most the relationships projection `p` gives, from Neo4j's counts. */
  private long relationshipBound(KernelTransaction ktx, int p) {
    Read read = ktx.dataRead();
    int type = typeId(ktx, p);
    if (allLabels) {
      return read.countsForRelationship(TokenConstants.ANY_LABEL, type, TokenConstants.ANY_LABEL);
    }
    long out = 0;
    long in = 0;
    for (int label : labelIds(ktx)) {
      out += read.countsForRelationship(label, type, TokenConstants.ANY_LABEL);
      in += read.countsForRelationship(TokenConstants.ANY_LABEL, type, label);
    }
    return switch (relationships.get(p).orientation()) {
      case NATURAL -> out;
      case REVERSE -> in;
      case UNDIRECTED -> Math.min(out, in);
    };
  }

  @Override
  public void visit(Visitor visitor, boolean bounded) {
    if (bounded) {
      visitIndexed(visitor);
      return;
    }
    Scratch scratch = new Scratch();
    if (allLabels) {
      try (ResourceIterator<Node> nodes = tx.getAllNodes().iterator()) {
        visitNodes(nodes, 0, visitor, scratch);
      }
      return;
    }
    for (int i = 0; i < labels.size(); i++) {
      try (ResourceIterator<Node> nodes = tx.findNodes(labels.get(i))) {
        visitNodes(nodes, i, visitor, scratch);
      }
    }
  }

  private void visitNodes(ResourceIterator<Node> nodes, int labelIndex, Visitor visitor,
      Scratch scratch) {
    long seen = 0;
    while (nodes.hasNext()) {
      Node node = nodes.next();
      if (++seen % 4096 == 0) guard.check();
      if (!allLabels && hasEarlierLabel(node, labelIndex)) continue;  // visited already
      long self = node.getId();
      scratch.clear();
      long degree = 0;
      for (int p = 0; p < relationships.size(); p++) {
        degree += entries(node, p, null, scratch);
      }
      visitor.node(self, degree);
      scratch.emit(self, visitor);
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

  // ------------------------------------------------------------ bounded visits

  /**
   * Indexes the projected nodes in the order the label scans give them,
   * reads the projections read once (scanning the relationship store, or
   * from each node), then the others node by node; gives the nodes, with
   * their degrees, at the end.
   */
  private void visitIndexed(Visitor visitor) {
    KernelTransaction ktx = ((InternalTransaction) tx).kernelTransaction();
    NodeIndex index = new NodeIndex(nodeBound(ktx));
    if (allLabels) {
      try (ResourceIterator<Node> nodes = tx.getAllNodes().iterator()) {
        index(nodes, index);
      }
    } else {
      for (Label label : labels) {
        try (ResourceIterator<Node> nodes = tx.findNodes(label)) {
          index(nodes, index);
        }
      }
    }
    long readOnce = 0;
    boolean anyOther = false;
    for (int p = 0; p < once.length; p++) {
      if (once[p]) {
        readOnce += relationshipBound(ktx, p);
      } else {
        anyOther = true;
      }
    }
    if (readOnce > 0 && readOnce >= scanShare * ktx.dataRead().relationshipsGetCount()) {
      scan(ktx, index, visitor);
    } else if (readOnce > 0) {
      traverse(ktx, index, visitor);
    }
    if (anyOther) {
      Scratch scratch = new Scratch();
      for (int slot = 0; slot < index.size; slot++) {
        if ((slot + 1) % 4096 == 0) guard.check();
        long self = index.ids[slot];
        Node node = tx.getNodeById(self);
        scratch.clear();
        for (int p = 0; p < relationships.size(); p++) {
          if (!once[p]) index.degrees[slot] += entries(node, p, index, scratch);
        }
        scratch.emit(self, visitor);
      }
    }
    for (int slot = 0; slot < index.size; slot++) {
      visitor.node(index.ids[slot], index.degrees[slot]);
    }
  }

  private void index(ResourceIterator<Node> nodes, NodeIndex index) {
    long seen = 0;
    while (nodes.hasNext()) {
      if (++seen % 4096 == 0) guard.check();
      index.add(nodes.next().getId());  // a node with an earlier label is there already
    }
  }

  /** The projections read once, from one scan of the relationship store. */
  private void scan(KernelTransaction ktx, NodeIndex index, Visitor visitor) {
    int[] typeIds = new int[once.length];
    for (int p = 0; p < once.length; p++) typeIds[p] = typeId(ktx, p);
    try (RelationshipScanCursor rels = ktx.cursors().allocateRelationshipScanCursor(
        ktx.cursorContext(), ktx.memoryTracker())) {
      ktx.dataRead().allRelationshipsScan(rels);
      long seen = 0;
      while (rels.next()) {
        if (++seen % 65_536 == 0) guard.check();
        int type = rels.type();
        for (int p = 0; p < once.length; p++) {
          if (!once[p] || (typeIds[p] != type && types[p] != null)) continue;
          long start = rels.sourceNodeReference();
          long end = rels.targetNodeReference();
          int startSlot = index.slot(start);
          int endSlot = startSlot < 0 ? -1 : index.slot(end);
          if (endSlot < 0) continue;  // outside the projection (validateRelationships is off)
          switch (relationships.get(p).orientation()) {
            case NATURAL -> {
              index.degrees[startSlot]++;
              visitor.relationship(start, end, false, NO_VALUES);
            }
            case REVERSE -> {
              index.degrees[endSlot]++;
              visitor.relationship(end, start, false, NO_VALUES);
            }
            case UNDIRECTED -> {
              index.degrees[startSlot]++;
              index.degrees[endSlot]++;
              visitor.relationship(start, end, true, NO_VALUES);
            }
          }
        }
      }
    }
  }

  /**
   * The projections read once, from each projected node: outgoing
   * relationships (NATURAL, and UNDIRECTED ones, counted at both ends) and
   * incoming ones (REVERSE).
   */
  private void traverse(KernelTransaction ktx, NodeIndex index, Visitor visitor) {
    RelationshipSelection[] selections = new RelationshipSelection[once.length];
    for (int p = 0; p < once.length; p++) {
      if (!once[p]) continue;
      Direction direction = relationships.get(p).orientation()
          == ProcedureConfig.Orientation.REVERSE ? Direction.INCOMING : Direction.OUTGOING;
      selections[p] = types[p] == null ? RelationshipSelection.selection(direction)
          : RelationshipSelection.selection(typeId(ktx, p), direction);
    }
    Read read = ktx.dataRead();
    try (NodeCursor node = ktx.cursors().allocateNodeCursor(ktx.cursorContext(),
            ktx.memoryTracker());
        RelationshipTraversalCursor rels = ktx.cursors().allocateRelationshipTraversalCursor(
            ktx.cursorContext(), ktx.memoryTracker())) {
      for (int slot = 0; slot < index.size; slot++) {
        if ((slot + 1) % 4096 == 0) guard.check();
        long self = index.ids[slot];
        read.singleNode(self, node);
        if (!node.next()) continue;
        for (int p = 0; p < once.length; p++) {
          if (!once[p]) continue;
          boolean undirected = relationships.get(p).undirected();
          node.relationships(rels, selections[p]);
          while (rels.next()) {
            long other = rels.otherNodeReference();
            int otherSlot = index.slot(other);
            if (otherSlot < 0) continue;  // outside the projection
            index.degrees[slot]++;
            if (undirected) index.degrees[otherSlot]++;
            visitor.relationship(self, other, undirected, NO_VALUES);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------ a node's entries

  /**
   * Adds the node's entries of projection `p` (the other end and the
   * combined values) to `scratch`, those it emits (an undirected one at its
   * lower end), and returns its degree in the projection. `index`, when
   * given, tells which nodes are projected.
   */
  private long entries(Node node, int p, NodeIndex index, Scratch scratch) {
    NativeProjection.RelationshipProjection projection = relationships.get(p);
    Iterable<Relationship> rels = types[p] == null
        ? node.getRelationships(directions[p])
        : node.getRelationships(directions[p], types[p]);
    RelationshipValues values = this.values[p];
    boolean undirected = projection.undirected();
    long self = node.getId();
    long degree = 0;
    Map<Long, RelationshipValues.Combined> merged =
        projection.merges() ? new LinkedHashMap<>() : null;
    for (Relationship rel : rels) {
      long otherId = rel.getOtherNodeId(self);
      boolean in = index != null ? index.slot(otherId) >= 0 : selected(rel.getOtherNode(node));
      if (!in) {
        if (validateRelationships) {
          throw new IllegalArgumentException(RelationshipValues.describe(rel) + " leads to node "
              + otherId + ", which the node projection does not hold (validateRelationships"
              + " is true; set it to false to skip such relationships)");
        }
        continue;
      }
      double[] row = values.of(rel);
      if (merged != null) {
        merged.computeIfAbsent(otherId, id -> values.combiner()).add(row);
      } else {
        degree += entry(self, otherId, undirected, row, scratch);
      }
    }
    if (merged != null) {
      for (Map.Entry<Long, RelationshipValues.Combined> e : merged.entrySet()) {
        degree += entry(self, e.getKey(), undirected, e.getValue().values(), scratch);
      }
    }
    return degree;
  }

  private static long entry(long self, long other, boolean undirected, double[] row,
      Scratch scratch) {
    if (!undirected || other >= self) scratch.add(other, undirected, row);  // else: at the other
    return undirected && other == self ? 2 : 1;
  }

  /** The relationships a node emits, gathered while its degree is counted. */
  private static final class Scratch {
    private long[] others = new long[64];
    private boolean[] undirected = new boolean[64];
    private double[][] rows = new double[64][];
    private int size;

    void clear() {
      Arrays.fill(rows, 0, size, null);
      size = 0;
    }

    void add(long other, boolean undirected, double[] row) {
      if (size == others.length) {
        others = Arrays.copyOf(others, size * 2);
        this.undirected = Arrays.copyOf(this.undirected, size * 2);
        rows = Arrays.copyOf(rows, size * 2);
      }
      others[size] = other;
      this.undirected[size] = undirected;
      rows[size] = row;
      size++;
    }

    void emit(long self, Visitor visitor) {
      for (int i = 0; i < size; i++) visitor.relationship(self, others[i], undirected[i], rows[i]);
    }
  }
}
