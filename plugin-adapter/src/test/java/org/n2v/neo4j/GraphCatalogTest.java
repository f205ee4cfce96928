// n2v.graph.project in each of GDS's projection forms, checked against what
// the sidecar built (nodes, relationships received, direction, weighted
// copies), and n2v.graph.list, exists and drop, with the exact message of
// each refusal.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.EdgeChunk;
import org.n2v.grpc.v1.ListSnapshotsRequest;
import org.n2v.grpc.v1.N2vGrpc;
import org.n2v.grpc.v1.Snapshot;
import org.n2v.grpc.v1.SnapshotHeader;
import org.n2v.grpc.v1.UploadSnapshotRequest;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(180)
class GraphCatalogTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static PluginHarness h;
  /** Internal ids of the fixture's nodes and relationships, by name. */
  private static final Map<String, Long> id = new TreeMap<>();

  /**
   * a, b, x :A; c, d :B; e :C (isolated). R: a->b twice (w 1 and 3, c 2 and 5), b->a (w 4),
   * a->x (w 1), b->c (w 2). S: c->d (w 5, bad -1, text 'x'), d->a (w 0.5).
   */
  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (a:A {n: 'a'}), (b:A {n: 'b'}), (x:A {n: 'x'}), (c:B {n: 'c'}), "
        + "(d:B {n: 'd'}), (e:C {n: 'e'}), "
        + "(a)-[:R {n: 'r1', w: 1.0, c: 2}]->(b), (a)-[:R {n: 'r2', w: 3.0, c: 5}]->(b), "
        + "(b)-[:R {n: 'r3', w: 4.0}]->(a), (a)-[:R {n: 'r5', w: 1.0}]->(x), "
        + "(b)-[:R {n: 'r4', w: 2.0}]->(c), "
        + "(c)-[:S {n: 's1', w: 5.0, bad: -1.0, text: 'x'}]->(d), (d)-[:S {n: 's2', w: 0.5}]->(a)");
    for (Record r : h.run("MATCH (n) RETURN n.n AS n, id(n) AS id "
        + "UNION MATCH ()-[r]->() RETURN r.n AS n, id(r) AS id")) {
      id.put(r.get("n").asString(), r.get("id").asLong());
    }
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

  /** The sidecar graph of that name (a user's graph or a weighted copy), as an admin sees it. */
  private static Optional<Snapshot> sidecarGraph(String sidecarName) {
    return h.grpc.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList()
        .stream().filter(s -> s.getGraphName().equals(sidecarName)).findFirst();
  }

  private static Record project(String name, String nodes, String relationships, String config) {
    return h.single("CALL n2v.graph.project('" + name + "', " + nodes + ", " + relationships
        + ", " + config + ") YIELD graphName, nodeCount, relationshipCount, nodeProjection, "
        + "relationshipProjection, projectMillis RETURN *");
  }

  // ------------------------------------------------------------ projection forms

  @Test
  void aLabelAndAType() {
    Record r = project("g-label", "'A'", "'R'", "{}");
    assertEquals(3, r.get("nodeCount").asLong());
    assertEquals(4, r.get("relationshipCount").asLong(), "r1, r2, r3, r5");
    assertEquals(Map.of("A", Map.of("label", "A", "properties", Map.of())),
        r.get("nodeProjection").asMap());
    assertEquals(Map.of("R", Map.of("type", "R", "orientation", "NATURAL", "aggregation",
        "DEFAULT", "indexInverse", false, "properties", Map.of())),
        r.get("relationshipProjection").asMap());
    Snapshot s = sidecarGraph("g-label").orElseThrow();
    assertEquals(3, s.getNodes());
    assertEquals(4, s.getInputEdges());
    assertEquals(3, s.getEdges(), "the sidecar merges the parallel a->b");
    assertTrue(s.getDirected());
    assertFalse(s.getWeighted());
  }

  @Test
  void listsOfLabelsAndTypes() {
    Record r = project("g-lists", "['A', 'B']", "['R', 'S']", "{}");
    assertEquals(5, r.get("nodeCount").asLong());
    assertEquals(7, r.get("relationshipCount").asLong());
    assertEquals(7, sidecarGraph("g-lists").orElseThrow().getInputEdges());
  }

  @Test
  void everythingWithStars() {
    Record r = project("g-star", "'*'", "'*'", "{}");
    assertEquals(6, r.get("nodeCount").asLong(), "the isolated e too");
    assertEquals(7, r.get("relationshipCount").asLong());
    assertEquals(List.of("__ALL__"), List.copyOf(r.get("nodeProjection").asMap().keySet()));
    assertEquals(6, sidecarGraph("g-star").orElseThrow().getNodes());
  }

  @Test
  void mapsWithUndirectedSummedWeights() {
    Record r = project("g-map", "{A: {label: 'A'}, B: 'B'}", "{R: {type: 'R', orientation: "
        + "'UNDIRECTED', aggregation: 'SUM', properties: 'w'}}", "{}");
    assertEquals(5, r.get("nodeCount").asLong());
    // a-b (r1, r2, r3 summed into one), a-x, b-c; each counts at both ends.
    assertEquals(6, r.get("relationshipCount").asLong());
    Snapshot graph = sidecarGraph("g-map").orElseThrow();
    assertFalse(graph.getDirected());
    assertEquals(3, graph.getInputEdges(), "aggregated before the upload");
    Snapshot weighted = sidecarGraph(GraphNames.weighted("g-map", "w")).orElseThrow();
    assertTrue(weighted.getWeighted());
    assertEquals(3, weighted.getInputEdges());
    Record list = h.single("CALL n2v.graph.list('g-map') YIELD degreeDistribution, "
        + "schemaWithOrientation, sizeInBytes RETURN *");
    // Degrees a 2, b 2, x 1, c 1, d 0.
    assertEquals(Map.of("min", 0L, "mean", 1.2, "max", 2L, "p50", 1L, "p75", 2L, "p90", 2L,
        "p95", 2L, "p99", 2L, "p999", 2L), list.get("degreeDistribution").asMap());
    assertEquals(Map.of("direction", "UNDIRECTED", "properties", Map.of("w",
        "Float (DefaultValue(NaN), PERSISTENT, Aggregation.SUM)")),
        list.get("schemaWithOrientation").get("relationships").get("R").asMap());
    assertEquals(graph.getMemoryBytes() + weighted.getMemoryBytes(),
        list.get("sizeInBytes").asLong(), "the graph and its weighted copy");
  }

  @Test
  void orientationsMixed() {
    Record r = project("g-mixed", "['A', 'B']",
        "{R: {orientation: 'UNDIRECTED'}, S: {type: 'S', orientation: 'natural'}}", "{}");
    // Five R relationships both ways, two S one way.
    assertEquals(12, r.get("relationshipCount").asLong());
    Snapshot s = sidecarGraph("g-mixed").orElseThrow();
    assertTrue(s.getDirected(), "mixed orientations: undirected relationships go as two arcs");
    assertEquals(12, s.getInputEdges());
  }

  @Test
  void reverseOrientation() {
    project("g-reverse", "'A'", "{R: {orientation: 'REVERSE'}}", "{}");
    h.run("CALL n2v.mutate('g-reverse', {mutateProperty: 'v', " + SMALL + "})");
    // The graph's edges, as the sidecar stores them: a->x reversed is x->a.
    List<List<Long>> edges = h.run("CALL n2v.edgeFeatures.stream({graphName: 'g-reverse', "
        + "nodeProperty: 'v'}) YIELD sourceNodeId, targetNodeId RETURN *").stream()
        .map(r -> List.of(r.get("sourceNodeId").asLong(), r.get("targetNodeId").asLong()))
        .toList();
    assertEquals(List.of(List.of(id.get("a"), id.get("b")), List.of(id.get("b"), id.get("a")),
        List.of(id.get("x"), id.get("a"))), edges);
  }

  @Test
  void projectedLabelNamesAreWhatNodePropertiesStreamWith() {
    project("g-renamed", "{Thing: {label: 'A'}, Other: 'B'}", "'*'", "{}");
    h.run("CALL n2v.mutate('g-renamed', {mutateProperty: 'v', " + SMALL + "})");
    Map<Long, List<Object>> labels = new TreeMap<>();
    for (Record r : h.run("CALL n2v.graph.nodeProperty.stream('g-renamed', 'v', 'Thing') "
        + "YIELD nodeId, nodeLabels RETURN *")) {
      labels.put(r.get("nodeId").asLong(), r.get("nodeLabels").asList());
    }
    assertEquals(Map.of(id.get("a"), List.of("Thing"), id.get("b"), List.of("Thing"),
        id.get("x"), List.of("Thing")), labels);
    assertEquals(5, h.run("CALL n2v.graph.nodeProperty.stream('g-renamed', 'v')").size());
    fails("CALL n2v.graph.nodeProperty.stream('g-renamed', 'v', ['A'])",
        "Could not find the specified nodeLabels [A] in graph 'g-renamed'. Its labels: "
            + "[Other, Thing]");
  }

  @Test
  void propertyFormsAndDefaults() {
    project("g-props", "'A'", "{R: {properties: ['w', 'c']}}", "{}");
    assertTrue(sidecarGraph(GraphNames.weighted("g-props", "w")).isPresent());
    assertTrue(sidecarGraph(GraphNames.weighted("g-props", "c")).isEmpty(),
        "r3 and r5 have no c");
    fails("CALL n2v.stream('g-props', {relationshipWeightProperty: 'c', " + SMALL + "})",
        "Relationship property 'c' of graph 'g-props' cannot weigh node2vec's walks: the "
            + "relationship from node ",
        " has no value for it (give the projection a defaultValue).");
    // A defaultValue makes it usable; the map form renames a property.
    project("g-default", "'A'", "{R: {properties: {c: {property: 'c', defaultValue: 1.0}, "
        + "weight: 'w'}}}", "{}");
    assertTrue(sidecarGraph(GraphNames.weighted("g-default", "c")).isPresent());
    assertTrue(sidecarGraph(GraphNames.weighted("g-default", "weight")).isPresent());
    assertEquals(3, h.run("CALL n2v.stream('g-default', {relationshipWeightProperty: 'weight', "
        + SMALL + "})").size());
  }

  @Test
  void configurationPropertiesApplyToEveryProjection() {
    project("g-top", "['A', 'B']", "['R', 'S']", "{relationshipProperties: 'w'}");
    assertEquals(7, sidecarGraph(GraphNames.weighted("g-top", "w")).orElseThrow()
        .getInputEdges());
  }

  @Test
  void aValueThatCannotBeAWeight() {
    project("g-bad", "'B'", "{S: {properties: 'bad'}}", "{}");
    fails("CALL n2v.stream('g-bad', {relationshipWeightProperty: 'bad', " + SMALL + "})",
        "Relationship property 'bad' of graph 'g-bad' cannot weigh node2vec's walks: the "
            + "relationship from node " + id.get("c") + " to node " + id.get("d") + " has -1.0 "
            + "(weights must be finite and > 0 as 32-bit floats).");
    assertEquals(2, h.run("CALL n2v.stream('g-bad', {" + SMALL + "})").size(),
        "unweighted runs are fine");
  }

  @Test
  void maxAggregationWeighsLikeTheMaximum() {
    String stream = "CALL n2v.stream($g, {relationshipWeightProperty: 'w', deterministic: true, "
        + "embeddingDimension: 8, walkLength: 20, walksPerNode: 20, positiveSamplingFactor: 0}) "
        + "YIELD nodeId, embedding RETURN nodeId, embedding ORDER BY nodeId";
    project("g-max", "'A'", "{R: {aggregation: 'MAX', properties: 'w'}}", "{}");
    h.single("MATCH (s:A)-[r:R]->(t:A) WITH s, t, max(r.w) AS w "
        + "RETURN n2v.graph.project('g-max-cypher', s, t, {relationshipProperties: {w: w}}) AS g");
    project("g-sum", "'A'", "{R: {aggregation: 'SUM', properties: 'w'}}", "{}");
    List<Object> max = h.run(stream, Map.of("g", "g-max")).stream().map(x -> x.asMap()).map(
        Object.class::cast).toList();
    assertEquals(max, h.run(stream, Map.of("g", "g-max-cypher")).stream().map(x -> x.asMap())
        .map(Object.class::cast).toList(), "the same graph, bit for bit");
    assertFalse(max.equals(h.run(stream, Map.of("g", "g-sum")).stream().map(x -> x.asMap())
        .map(Object.class::cast).toList()), "a->b weighs 3 with MAX, 4 with SUM");
  }

  @Test
  void aGraphAnotherClientMade() throws Exception {
    // A named graph of the same owner, uploaded by another client with free-text projection.
    Metadata owner = new Metadata();
    owner.put(Metadata.Key.of("n2v-user", Metadata.ASCII_STRING_MARSHALLER), "");
    owner.put(Metadata.Key.of("n2v-database", Metadata.ASCII_STRING_MARSHALLER), "neo4j");
    ManagedChannel channel = ManagedChannelBuilder.forTarget(h.sidecar.address()).usePlaintext()
        .intercept(MetadataUtils.newAttachHeadersInterceptor(owner)).build();
    try {
      CompletableFuture<Snapshot> done = new CompletableFuture<>();
      StreamObserver<UploadSnapshotRequest> upload = N2vGrpc.newStub(channel).uploadSnapshot(
          new StreamObserver<>() {
            @Override
            public void onNext(Snapshot s) { done.complete(s); }

            @Override
            public void onError(Throwable t) { done.completeExceptionally(t); }

            @Override
            public void onCompleted() { }
          });
      upload.onNext(UploadSnapshotRequest.newBuilder().setHeader(SnapshotHeader.newBuilder()
          .setGraphName("from-elsewhere").setProjection("made by hand")).build());
      upload.onNext(UploadSnapshotRequest.newBuilder().setEdges(EdgeChunk.newBuilder()
          .addSource(id.get("a")).addTarget(id.get("b"))
          .addSource(id.get("b")).addTarget(id.get("x"))).build());
      upload.onCompleted();
      done.get(60, TimeUnit.SECONDS);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    Record listed = h.single("CALL n2v.graph.list('from-elsewhere')");
    assertEquals(3, listed.get("nodeCount").asLong());
    assertEquals(4, listed.get("relationshipCount").asLong(), "undirected: both ways");
    assertEquals(3, h.run("CALL n2v.stream('from-elsewhere', {" + SMALL + "})").size());
  }

  // ------------------------------------------------------------ refusals

  @Test
  void nonNumericProperty() {
    fails("CALL n2v.graph.project('g-text', 'B', {S: {properties: 'text'}})",
        "Relationship " + id.get("s1") + " (:S from node " + id.get("c") + " to node "
            + id.get("d") + ") has a non-numeric 'text': String 'x'. Projected relationship "
            + "properties must be numeric.");
    assertFalse(h.single("CALL n2v.graph.exists('g-text')").get("exists").asBoolean());
  }

  @Test
  void validateRelationships() {
    fails("CALL n2v.graph.project('g-valid', 'A', 'R', {validateRelationships: true})",
        "Relationship " + id.get("r4") + " (:R from node " + id.get("b") + " to node "
            + id.get("c") + ") leads to node " + id.get("c") + ", which the node projection "
            + "does not hold (validateRelationships is true; set it to false to skip such "
            + "relationships)");
  }

  @Test
  void nameInUse() {
    project("g-dup", "'A'", "'R'", "{}");
    fails("CALL n2v.graph.project('g-dup', 'B', 'S')", "A graph with name 'g-dup' already exists.");
    fails("MATCH (s:B)-[:S]->(t) RETURN n2v.graph.project('g-dup', s, t)",
        "A graph with name 'g-dup' already exists.");
  }

  @Test
  void unknownLabelAndType() {
    fails("CALL n2v.graph.project('g-x', ['A', 'Nope'], 'R')",
        "Could not find the node label(s) [Nope] of the node projection. Labels in the "
            + "database: [A, B, C]");
    fails("CALL n2v.graph.project('g-x', 'A', {N: {type: 'NOPE'}})",
        "Could not find the relationship type(s) [NOPE] of the relationship projection. "
            + "Relationship types in the database: [R, S]");
  }

  @Test
  void malformedProjections() {
    fails("CALL n2v.graph.project('g-x', 3, 'R')", "The node projection must be a label, a "
        + "list of labels, '*' or a map, got Long 3");
    fails("CALL n2v.graph.project('g-x', 'A', {R: {orientation: 'SIDEWAYS'}})",
        "Orientation of relationship projection 'R' must be NATURAL, REVERSE or UNDIRECTED, got "
            + "String 'SIDEWAYS'");
    fails("CALL n2v.graph.project('g-x', 'A', {R: {aggregation: 'AVG'}})",
        "Aggregation of relationship projection 'R' must be one of DEFAULT, NONE, SINGLE, SUM, "
            + "MIN, MAX, COUNT, got String 'AVG'");
    fails("CALL n2v.graph.project('g-x', 'A', {R: {direction: 'NATURAL'}})",
        "Unknown key 'direction' in relationship projection 'R'. Valid keys: aggregation, "
            + "indexInverse, orientation, properties, type");
    fails("CALL n2v.graph.project('g-x', 'A', {R: {aggregation: 'SUM', properties: {w: "
        + "{aggregation: 'NONE'}}}})", "Property 'w' of relationship projection 'R' has "
        + "aggregation NONE but the relationships have aggregation SUM: either both combine "
        + "parallel relationships or neither does");
    fails("CALL n2v.graph.project('g-x', 'A', 'R', {readConcurrency: 0})",
        "Configuration key 'readConcurrency' must be at least 1, got 0");
    fails("CALL n2v.graph.project('g-x', 'A', 'R', {nodeQuery: 'x'})",
        "Unknown configuration key 'nodeQuery'. Valid keys: jobId, logProgress, nodeProperties, "
            + "readConcurrency, relationshipProperties, sudo, username, validateRelationships");
    fails("CALL n2v.graph.project(' ', 'A', 'R')", "graphName must not be blank");
  }

  // ------------------------------------------------------------ list, exists, drop

  @Test
  void listExistsAndDrop() {
    project("g-drop", "'A'", "{R: {properties: 'w'}}", "{}");
    assertTrue(h.single("CALL n2v.graph.exists('g-drop')").get("exists").asBoolean());
    assertTrue(h.run("CALL n2v.graph.list() YIELD graphName RETURN graphName").stream()
        .anyMatch(r -> r.get("graphName").asString().equals("g-drop")));
    Record listed = h.single("CALL n2v.graph.list('g-drop')");
    assertEquals("neo4j", listed.get("database").asString());
    assertEquals("local", listed.get("databaseLocation").asString());
    assertEquals(3, listed.get("nodeCount").asLong());
    assertEquals(4.0 / 6, listed.get("density").asDouble(), 1e-12);
    assertEquals("A", listed.get("configuration").get("nodeProjection").get("A").get("label")
        .asString());
    assertTrue(listed.get("modificationTime").asZonedDateTime()
        .compareTo(listed.get("creationTime").asZonedDateTime()) >= 0);

    Record dropped = h.single("CALL n2v.graph.drop('g-drop') YIELD graphName, nodeCount "
        + "RETURN *");
    assertEquals("g-drop", dropped.get("graphName").asString());
    assertEquals(3, dropped.get("nodeCount").asLong());
    assertFalse(h.single("CALL n2v.graph.exists('g-drop')").get("exists").asBoolean());
    assertTrue(sidecarGraph("g-drop").isEmpty());
    assertTrue(sidecarGraph(GraphNames.weighted("g-drop", "w")).isEmpty(), "the copy too");
    assertEquals(0, h.run("CALL n2v.graph.list('g-drop')").size());
  }

  @Test
  void dropOfAMissingGraph() {
    fails("CALL n2v.graph.drop('nope')", "Graph with name 'nope' does not exist on database "
        + "'neo4j'.");
    assertEquals(0, h.run("CALL n2v.graph.drop('nope', false)").size());
  }
}
