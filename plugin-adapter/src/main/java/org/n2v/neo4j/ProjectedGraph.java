// A graph as a projection defines it, visited one node at a time: each
// node with its degree (its adjacency entries in GDS's terms: an undirected
// relationship counts at both ends), and each projected relationship once,
// after aggregation, with its value for every projected relationship
// property (NaN where it has none). Read from Neo4j (NativeGraphReader),
// from the rows of a Cypher projection (CypherProjection), or replayed from
// what one read held (ProjectionBuffer).
package org.n2v.neo4j;

import java.util.List;

interface ProjectedGraph {
  interface Visitor {
    /** A node and its degree; it may come before or after its relationships. */
    void node(long id, long degree);

    /**
     * source -> target, or source - target when `undirected`; values follow
     * properties() and are the visitor's to read during the call only.
     */
    void relationship(long source, long target, boolean undirected, double[] values);
  }

  /** At most this many nodes and relationships (relationship calls), known before reading. */
  record Bounds(long nodes, long relationships) {}

  /** The projected relationship properties, in the order of the values. */
  List<String> properties();

  /**
   * Visits the graph. `bounded`: the caller holds what the visit gives
   * anyway (the graph is within bounds() and the projection buffer), so
   * the visit may keep state per node for its whole length too.
   */
  void visit(Visitor visitor, boolean bounded);

  /**
   * Whether the graph is held in memory already, so that visiting it again
   * reads nothing from Neo4j (a Cypher projection's rows).
   */
  default boolean held() { return false; }

  /** Upper bounds on what a visit gives, from Neo4j's counts; null when unknown. */
  default Bounds bounds() { return null; }
}
