// A graph as a projection defines it, visited one node at a time: each
// node with its degree (its adjacency entries in GDS's terms: an undirected
// relationship counts at both ends), and each projected relationship once,
// after aggregation, with its value for every projected relationship
// property (NaN where it has none). Read from Neo4j (NativeGraphReader) or
// from the rows of a Cypher projection (CypherProjection).
package org.n2v.neo4j;

import java.util.List;

interface ProjectedGraph {
  interface Visitor {
    void node(long id, long degree);

    /** source -> target, or source - target when `undirected`; values follow properties(). */
    void relationship(long source, long target, boolean undirected, double[] values);
  }

  /** The projected relationship properties, in the order of the values. */
  List<String> properties();

  void visit(Visitor visitor);
}
