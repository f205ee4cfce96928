// How n2v.graph.project reads a native projection: once, into the
// projection buffer, when Neo4j's counts say it fits; twice (count and
// check, then upload as the second read goes) when it does not. Both give
// the same counts, degree distribution, usable weights, graph and refusals
// for every form that changes how a node's relationships are read
// (orientations, aggregation, properties, self-loops and parallel
// relationships, relationships to nodes outside the projection, nodes with
// several projected labels, validateRelationships). A check that fails late
// in the read refuses the projection with its usual message and leaves
// nothing on the sidecar, and so does an upload abandoned part way.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.ListSnapshotsRequest;
import org.n2v.grpc.v1.Snapshot;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

@Timeout(180)
class ProjectionReadTest {
  private static final TerminationGuard NEVER = () -> { };
  /** Nodes of the chain whose last relationships break the checks. */
  private static final int CHAIN = 3000;
  private static PluginHarness h;
  private static final Map<String, Long> id = new TreeMap<>();

  /**
   * A small graph with every case: a, b :A; m :A:B; c :B; d :C; o unlabelled. R: a->b twice
   * (w 1, 3), b->a (w 4), a->a (w 2), a->m (no w), m->c (w 5), o->a (w 6), c->o (w 7), b->b
   * twice (w 1); S: c->a (w 0.5), a->d (w 2), d->d (w 1), m->a (w -1). Then the chain
   * p0 -> p1 -> ... of :P with T (w 1), whose last node has a T to q (not :P) with w 'x'.
   */
  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (a:A {n: 'a'}), (b:A {n: 'b'}), (m:A:B {n: 'm'}), (c:B {n: 'c'}), "
        + "(d:C {n: 'd'}), (o {n: 'o'}), "
        + "(a)-[:R {w: 1.0}]->(b), (a)-[:R {w: 3.0}]->(b), (b)-[:R {w: 4.0}]->(a), "
        + "(a)-[:R {w: 2.0}]->(a), (a)-[:R]->(m), (m)-[:R {w: 5.0}]->(c), "
        + "(o)-[:R {w: 6.0}]->(a), (c)-[:R {w: 7.0}]->(o), (b)-[:R {w: 1.0}]->(b), "
        + "(b)-[:R {w: 1.0}]->(b), "
        + "(c)-[:S {w: 0.5}]->(a), (a)-[:S {w: 2.0}]->(d), (d)-[:S {w: 1.0}]->(d), "
        + "(m)-[:S {w: -1.0}]->(a)");
    h.run("UNWIND range(0, " + (CHAIN - 1) + ") AS i CREATE (:P {i: i})");
    h.run("MATCH (s:P), (t:P) WHERE t.i = s.i + 1 CREATE (s)-[:T {w: 1.0}]->(t)");
    h.run("MATCH (s:P {i: " + (CHAIN - 1) + "}) CREATE (s)-[:T {w: 'x'}]->(:Q {n: 'q'})");
    for (Record r : h.run("MATCH (n) WHERE n.n IS NOT NULL RETURN n.n AS n, id(n) AS id "
        + "UNION MATCH (n:P) WHERE n.i >= " + (CHAIN - 2) + " RETURN 'p' + n.i AS n, id(n) AS id "
        + "UNION MATCH ()-[r:T]->(:Q) RETURN 'bad' AS n, id(r) AS id")) {
      id.put(r.get("n").asString(), r.get("id").asLong());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  // ------------------------------------------------------------ once = twice

  /** Everything a read gives: what the catalog records and the graph uploaded. */
  private record Read(long nodes, long relationships, Map<String, Object> degrees,
      List<String> weights, Map<String, String> unusable, Map<Long, Long> nodeDegrees,
      List<String> edges) {}

  /** Scanning the relationship store for the projections read once, or reading each node's. */
  private static final double SCAN = 0;
  private static final double TRAVERSE = Double.POSITIVE_INFINITY;

  /**
   * Reads the projection with a buffer of `bytes`, as n2v.graph.project does,
   * with `scanShare` deciding how the projections read once are read.
   */
  private static Read read(String nodes, String relationships, String config, long bytes,
      boolean once, double scanShare) {
    Record spec = h.single("RETURN " + nodes + " AS n, " + relationships + " AS r, " + config
        + " AS c");
    ProcedureConfig configuration = GraphProjectConfig.parse(spec.get("c").asMap());
    NativeProjection projection = NativeProjection.parse(spec.get("n").asObject(),
        spec.get("r").asObject(), configuration);
    try (Transaction tx = h.neo4j.defaultDatabaseService().beginTx()) {
      NativeGraphReader reader = new NativeGraphReader(tx, projection,
          configuration.bool("validateRelationships").orElse(false), NEVER, scanShare);
      ProjectionStats stats = new ProjectionStats(reader.properties());
      ProjectedGraph upload = GraphCreation.read(reader, stats, bytes);
      if (once) {
        assertInstanceOf(ProjectionBuffer.class, upload, "held by the one read");
      } else {
        assertSame(reader, upload, "read again for the upload");
      }
      Map<Long, Long> nodeDegrees = new TreeMap<>();
      List<String> edges = new ArrayList<>();
      upload.visit(new ProjectedGraph.Visitor() {
        @Override
        public void node(long id, long degree) {
          assertEquals(null, nodeDegrees.put(id, degree), "node " + id + " once");
        }

        @Override
        public void relationship(long source, long target, boolean undirected,
            double[] values) {
          List<Integer> bits = new ArrayList<>();
          for (double v : values) bits.add(Float.floatToIntBits((float) v));
          edges.add(undirected
              ? Math.min(source, target) + " - " + Math.max(source, target) + " " + bits
              : source + " -> " + target + " " + bits);
        }
      }, false);
      edges.sort(null);
      return new Read(stats.nodeCount(), stats.relationshipCount(), stats.degreeDistribution(),
          stats.weights(), stats.unusableWeights(), nodeDegrees, edges);
    }
  }

  private static final List<List<String>> PROJECTIONS = List.of(
      List.of("'A'", "{R: {orientation: 'UNDIRECTED'}}", "{}"),
      List.of("'*'", "{ALL: {type: '*', orientation: 'UNDIRECTED'}}", "{}"),
      List.of("['A', 'P']", "{ALL: {type: '*', orientation: 'UNDIRECTED'}}", "{}"),
      List.of("['A', 'B', 'C']", "{R: {orientation: 'REVERSE'}, S: 'S'}", "{}"),
      List.of("['A', 'B']", "{R: {orientation: 'UNDIRECTED', aggregation: 'SINGLE'}, "
          + "S: {orientation: 'UNDIRECTED'}}", "{}"),
      List.of("['A', 'B', 'C']", "{R: {orientation: 'UNDIRECTED', properties: 'w'}, "
          + "S: {orientation: 'UNDIRECTED'}}", "{}"),
      List.of("['A', 'B']", "{R: {orientation: 'UNDIRECTED'}}", "{}"),
      List.of("'*'", "{R: {orientation: 'UNDIRECTED'}}", "{validateRelationships: true}"),
      List.of("['B', 'A']", "{R: {orientation: 'UNDIRECTED'}, S: {orientation: 'UNDIRECTED'}}",
          "{}"),
      List.of("'*'", "'*'", "{}"),
      List.of("['A', 'B']", "{R: {orientation: 'REVERSE'}, S: {orientation: 'UNDIRECTED'}}",
          "{}"),
      List.of("'A'", "{R: {orientation: 'UNDIRECTED', properties: 'w'}}", "{}"),
      List.of("['A', 'B', 'C']", "{R: {orientation: 'UNDIRECTED', aggregation: 'SUM', "
          + "properties: {w: {property: 'w', defaultValue: 1.0}}}, S: {orientation: "
          + "'UNDIRECTED', aggregation: 'MAX', properties: 'w'}}", "{}"),
      List.of("{X: {label: 'A'}, Y: 'C'}", "{R: 'R', S: {type: 'S', orientation: 'UNDIRECTED'}, "
          + "ALL: {type: '*', aggregation: 'COUNT', properties: {k: {property: 'w', "
          + "aggregation: 'COUNT'}}}}", "{relationshipProperties: 'w'}"),
      List.of("['A', 'B', 'C']", "{R: {orientation: 'UNDIRECTED'}}",
          "{validateRelationships: false}"));

  @Test
  void oneReadGivesWhatTwoGive() {
    for (List<String> p : PROJECTIONS) {
      Read twice = read(p.get(0), p.get(1), p.get(2), 0, false, NativeGraphReader.SCAN_SHARE);
      assertTrue(twice.nodes() > 0 && !twice.edges().isEmpty(), "projection " + p);
      for (double share : new double[] {SCAN, TRAVERSE, NativeGraphReader.SCAN_SHARE}) {
        assertEquals(twice, read(p.get(0), p.get(1), p.get(2), ProjectionBuffer.limit(), true,
            share), "projection " + p + ", scan share " + share);
      }
    }
  }

  @Test
  void theCasesReadOnceAreCountedRight() {
    // a - b three times, a - a, a - m; b - b twice (m - c: c is not :A; o -> a: o is not).
    for (double share : new double[] {SCAN, TRAVERSE}) {
      Read r = read("'A'", "{R: {orientation: 'UNDIRECTED'}}", "{}", ProjectionBuffer.limit(),
          true, share);
      assertEquals(3, r.nodes());
      assertEquals(Map.of(id.get("a"), 3L + 2 + 1, id.get("b"), 3L + 4, id.get("m"), 1L),
          r.nodeDegrees(), "a self-loop counts at both ends");
      assertEquals(14, r.relationships());
      assertEquals(7, r.edges().size());
    }
  }

  @Test
  void refusalsAreTheSameEitherWay() {
    for (List<String> p : List.of(
        List.of("'A'", "{R: {orientation: 'UNDIRECTED'}}", "{validateRelationships: true}"),
        List.of("['A', 'B']", "{R: {orientation: 'UNDIRECTED'}}",
            "{validateRelationships: true}"),
        List.of("['P', 'Q']", "{T: {properties: 'w'}}", "{}"),
        List.of("['P', 'Q']", "{T: {orientation: 'UNDIRECTED', properties: 'w'}}", "{}"),
        List.of("'P'", "{T: {orientation: 'UNDIRECTED'}}", "{validateRelationships: true}"),
        List.of("['A', 'B']", "{R: 'R', S: 'S'}", "{validateRelationships: true}"))) {
      IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
          () -> read(p.get(0), p.get(1), p.get(2), 0, false, NativeGraphReader.SCAN_SHARE));
      for (double share : new double[] {SCAN, TRAVERSE}) {
        IllegalArgumentException once = assertThrows(IllegalArgumentException.class,
            () -> read(p.get(0), p.get(1), p.get(2), ProjectionBuffer.limit(), true, share));
        assertEquals(twice.getMessage(), once.getMessage(), "projection " + p);
      }
    }
  }

  @Test
  void aCypherProjectionCountsAsTheNativeOne() {
    h.run("CALL n2v.graph.project('native-a', 'A', {R: {orientation: 'UNDIRECTED'}})");
    // m's only R leads to c, which is not :A: its row has no target.
    h.run("MATCH (s:A) OPTIONAL MATCH (s)-[:R]->(t:A) "
        + "RETURN n2v.graph.project('cypher-a', s, t, {}, {undirectedRelationshipTypes: ['*']})");
    String list = "CALL n2v.graph.list($g) YIELD nodeCount, relationshipCount, "
        + "degreeDistribution RETURN nodeCount, relationshipCount, degreeDistribution";
    Record expected = h.single(list.replace("$g", "'native-a'"));
    assertEquals(Map.of("min", 1L, "mean", 14.0 / 3, "max", 7L, "p50", 6L, "p75", 7L, "p90", 7L,
        "p95", 7L, "p99", 7L, "p999", 7L), expected.get("degreeDistribution").asMap());
    assertEquals(expected.asMap(), h.single(list.replace("$g", "'cypher-a'")).asMap());
    h.run("CALL n2v.graph.drop('native-a')");
    h.run("CALL n2v.graph.drop('cypher-a')");
  }

  // ------------------------------------------------------------ late refusals

  private static Set<String> sidecarSnapshots() {
    return h.grpc.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList()
        .stream().map(s -> s.getSnapshotId() + " " + s.getGraphName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static void refusedLeavingNothing(String graphName, String call, String message) {
    Set<String> before = sidecarSnapshots();
    ClientException e = assertThrows(ClientException.class, () -> h.run(call));
    assertTrue(e.getMessage().endsWith(message), "expected «" + message + "» in: "
        + e.getMessage());
    assertEquals(before, sidecarSnapshots(), "no graph, copy or snapshot left on the sidecar");
    assertFalse(h.single("CALL n2v.graph.exists('" + graphName + "')").get("exists")
        .asBoolean());
  }

  @Test
  void aNonNumericValueAtTheEndLeavesNothing() {
    String message = "Relationship " + id.get("bad") + " (:T from node " + id.get("p" + (CHAIN - 1))
        + " to node " + id.get("q") + ") has a non-numeric 'w': String 'x'. Projected "
        + "relationship properties must be numeric.";
    refusedLeavingNothing("late-text", "CALL n2v.graph.project('late-text', ['P', 'Q'], "
        + "{T: {properties: 'w'}})", message);
    refusedLeavingNothing("late-text", "CALL n2v.graph.project('late-text', ['P', 'Q'], "
        + "{T: {orientation: 'UNDIRECTED', properties: 'w'}})", message);
  }

  @Test
  void validateRelationshipsAtTheEndLeavesNothing() {
    refusedLeavingNothing("late-valid", "CALL n2v.graph.project('late-valid', 'P', "
        + "{T: {orientation: 'UNDIRECTED'}}, {validateRelationships: true})",
        "Relationship " + id.get("bad") + " (:T from node " + id.get("p" + (CHAIN - 1))
            + " to node " + id.get("q") + ") leads to node " + id.get("q") + ", which the node "
            + "projection does not hold (validateRelationships is true; set it to false to skip "
            + "such relationships)");
    // Without the check the same projection is read once and kept.
    Record r = h.single("CALL n2v.graph.project('late-valid', 'P', {T: {orientation: "
        + "'UNDIRECTED'}}) YIELD nodeCount, relationshipCount RETURN *");
    assertEquals(CHAIN, r.get("nodeCount").asLong());
    assertEquals(2L * (CHAIN - 1), r.get("relationshipCount").asLong());
    Snapshot graph = h.grpc.listSnapshots(ListSnapshotsRequest.getDefaultInstance())
        .getSnapshotsList().stream().filter(s -> s.getGraphName().equals("late-valid"))
        .findFirst().orElseThrow();
    assertEquals(CHAIN - 1, graph.getInputEdges());
    assertFalse(graph.getDirected());
    h.run("CALL n2v.graph.drop('late-valid')");
  }

  // ------------------------------------------------------------ abandoned uploads

  /** A graph whose visit fails after `nodes` nodes and as many relationships. */
  private record FailingGraph(int nodes) implements ProjectedGraph {
    @Override
    public List<String> properties() { return List.of("w"); }

    @Override
    public void visit(Visitor visitor, boolean bounded) {
      for (int i = 0; i < nodes; i++) {
        visitor.node(i, 2);
        visitor.relationship(i, (i + 1) % nodes, true, new double[] {1.0});
      }
      throw new IllegalArgumentException("failed after " + nodes + " nodes");
    }
  }

  @Test
  void anUploadAbandonedPartWayLeavesNothing() throws Exception {
    Set<String> before = sidecarSnapshots();
    SidecarSettings settings = new SidecarSettings(h.sidecar.address(), false, "", "", "", "");
    try (SidecarClient client = new SidecarClient(settings, new CallerIdentity("", "neo4j",
        false))) {
      GraphProjection projection = GraphProjection.of(Map.of(), Map.of(), Map.of(),
          new ProjectionStats(List.of("w")));
      // Several node and edge chunks, to the graph and its weighted copy, go out first.
      int nodes = 3 * GraphUploader.NODES_PER_CHUNK;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ProjectionUploader.upload(client, NEVER, "abandoned", new FailingGraph(nodes),
              true, projection));
      assertEquals("failed after " + nodes + " nodes", e.getMessage());
    }
    // The sidecar drops a cancelled upload as it learns of the cancellation.
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!before.equals(sidecarSnapshots()) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(before, sidecarSnapshots());
    assertFalse(h.single("CALL n2v.graph.exists('abandoned')").get("exists").asBoolean());
  }
}
