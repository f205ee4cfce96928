// The Cypher projection, GDS 2.4's aggregation form: whatever subgraph a
// query selects (filtered by a property, or made of virtual relationships
// such as two-hop paths) becomes a named graph, checked against what the
// sidecar built; its result map; and its refusals.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.ListSnapshotsRequest;
import org.n2v.grpc.v1.Snapshot;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(180)
class CypherProjectionTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static PluginHarness h;

  /** a, b, x :A; c, d :B; e :C. R: a->b (w 1), a->b (w 3), b->a (w 4), a->x (w 1), b->c (w 2). */
  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (a:A {n: 'a'}), (b:A {n: 'b'}), (x:A {n: 'x'}), (c:B {n: 'c'}), "
        + "(d:B {n: 'd'}), (e:C {n: 'e'}), "
        + "(a)-[:R {w: 1.0}]->(b), (a)-[:R {w: 3.0}]->(b), (b)-[:R {w: 4.0}]->(a), "
        + "(a)-[:R {w: 1.0}]->(x), (b)-[:R {w: 2.0}]->(c), (c)-[:S {w: 5.0}]->(d)");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  private static String fails(String cypher, String... parts) {
    ClientException e = assertThrows(ClientException.class, () -> h.run(cypher));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected «" + part + "» in: " + e.getMessage());
    }
    return e.getMessage();
  }

  private static Optional<Snapshot> sidecarGraph(String sidecarName) {
    return h.grpc.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList()
        .stream().filter(s -> s.getGraphName().equals(sidecarName)).findFirst();
  }

  private static List<String> sorted(Iterable<String> keys) {
    List<String> out = new java.util.ArrayList<>();
    keys.forEach(out::add);
    out.sort(null);
    return out;
  }

  private static Value project(String query) {
    return h.single(query).get("g");
  }

  @Test
  void aSubgraphFilteredByAProperty() {
    String query = "MATCH (s)-[r:R]->(t) WHERE r.w >= 2 "
        + "RETURN n2v.graph.project('heavy', s, t, {relationshipProperties: r {.w}}) AS g";
    Value g = project(query);
    assertEquals(List.of("configuration", "graphName", "nodeCount", "projectMillis", "query",
        "relationshipCount"), sorted(g.keys()));
    assertEquals("heavy", g.get("graphName").asString());
    assertEquals(3, g.get("nodeCount").asLong(), "a, b, c");
    assertEquals(3, g.get("relationshipCount").asLong(), "w 3, 4 and 2");
    assertTrue(g.get("projectMillis").asLong() >= 0);
    assertEquals(query, g.get("query").asString());
    assertEquals(List.of(), g.get("configuration").get("undirectedRelationshipTypes").asList());
    Snapshot graph = sidecarGraph("heavy").orElseThrow();
    assertEquals(3, graph.getInputEdges());
    assertTrue(graph.getDirected());
    assertTrue(sidecarGraph(GraphNames.weighted("heavy", "w")).orElseThrow().getWeighted());
    assertEquals(3, h.run("CALL n2v.stream('heavy', {relationshipWeightProperty: 'w', " + SMALL
        + "})").size());
  }

  @Test
  void virtualRelationshipsOfTwoHopPaths() {
    Value g = project("MATCH (s:A)-[:R]->(:A)-[:R]->(t) "
        + "RETURN n2v.graph.project('two-hop', s, t) AS g");
    // a->b->a twice, a->b->c twice, b->a->b twice, b->a->x: 7 rows, 4 distinct pairs.
    assertEquals(4, g.get("nodeCount").asLong());
    assertEquals(7, g.get("relationshipCount").asLong());
    Snapshot graph = sidecarGraph("two-hop").orElseThrow();
    assertEquals(7, graph.getInputEdges());
    assertEquals(4, graph.getEdges());
    assertEquals(4, h.run("CALL n2v.stream('two-hop', {" + SMALL + "})").size());
  }

  @Test
  void isolatedNodesLabelsAndTypes() {
    Value g = project("MATCH (n) OPTIONAL MATCH (n)-[r]->(m) "
        + "RETURN n2v.graph.project('all', n, m, {sourceNodeLabels: labels(n), "
        + "targetNodeLabels: labels(m), relationshipType: type(r)}) AS g");
    assertEquals(6, g.get("nodeCount").asLong(), "e has no relationship");
    assertEquals(6, g.get("relationshipCount").asLong());
    Record listed = h.single("CALL n2v.graph.list('all') YIELD schema RETURN schema");
    assertEquals(List.of("A", "B", "C"),
        sorted(listed.get("schema").get("nodes").keys()));
    assertEquals(List.of("R", "S"),
        sorted(listed.get("schema").get("relationships").keys()));
  }

  @Test
  void undirectedRelationshipTypes() {
    Value g = project("MATCH (s:A)-[r:R]->(t:A) RETURN n2v.graph.project('undirected', s, t, "
        + "{relationshipType: type(r)}, {undirectedRelationshipTypes: ['R']}) AS g");
    assertEquals(8, g.get("relationshipCount").asLong(), "4 relationships, both ways");
    assertFalse(sidecarGraph("undirected").orElseThrow().getDirected());
    assertEquals(Map.of("direction", "UNDIRECTED", "properties", Map.of()),
        h.single("CALL n2v.graph.list('undirected')").get("schemaWithOrientation")
            .get("relationships").get("R").asMap());
  }

  @Test
  void nodeIdsInsteadOfNodes() {
    Value g = project("MATCH (s:B)-[:S]->(t) RETURN n2v.graph.project('by-id', id(s), id(t)) AS g");
    assertEquals(2, g.get("nodeCount").asLong());
    assertEquals(1, g.get("relationshipCount").asLong());
  }

  @Test
  void noRowsProjectNothing() {
    assertTrue(project("MATCH (s:Nope) RETURN n2v.graph.project('none', s) AS g").isNull());
    assertFalse(h.single("CALL n2v.graph.exists('none')").get("exists").asBoolean());
  }

  // ------------------------------------------------------------ refusals

  @Test
  void aNameInUse() {
    project("MATCH (s:B) RETURN n2v.graph.project('taken', s) AS g");
    fails("MATCH (s:A) RETURN n2v.graph.project('taken', s) AS g",
        "A graph with name 'taken' already exists.");
  }

  @Test
  void oneGraphPerAggregation() {
    fails("MATCH (s:A) RETURN n2v.graph.project(s.n, s) AS g",
        "n2v.graph.project projects one graph per aggregation: graphName is '");
  }

  @Test
  void aSourceThatIsNoNode() {
    fails("RETURN n2v.graph.project('bad', 'x') AS g",
        "The sourceNode of n2v.graph.project must be a node or a node id, got String 'x'");
  }

  @Test
  void unknownDataConfigKey() {
    fails("MATCH (s:A)-[r:R]->(t) RETURN n2v.graph.project('bad', s, t, "
        + "{relationshipProperty: r {.w}}) AS g",
        "Unknown configuration key 'relationshipProperty' (did you mean "
            + "'relationshipProperties'?). Valid keys: relationshipProperties, relationshipType, "
            + "sourceNodeLabels, sourceNodeProperties, targetNodeLabels, targetNodeProperties");
  }

  @Test
  void nonNumericRelationshipProperty() {
    fails("MATCH (s:B)-[r:S]->(t) RETURN n2v.graph.project('bad', s, t, "
        + "{relationshipProperties: {w: 'heavy'}}) AS g",
        "Relationship property 'w' from node ", " is String 'heavy'. Projected relationship "
            + "properties must be numeric.");
  }

  @Test
  void alphaMigrationConfigIsRefused() {
    fails("MATCH (s:B) RETURN n2v.graph.project('bad', s, null, null, null, {}) AS g",
        "n2v.graph.project takes no alphaMigrationConfig: give the projection in GDS 2.4's form");
  }
}
