// nodeLabels, relationshipTypes, orientation and relationshipWeightProperty
// send exactly the intended subgraph: checked on what the procedures report
// and on what the sidecar built (its snapshot_created and job_queued log
// lines, the job's node count, and the job's stored edges as EdgeFeatures
// lists them).
//
// The graph (names in brackets are node names):
//   [a]:A  [b]:A  [c]:B  [ab]:A:B  [iso]:A (no relationships)  [x]:C
//   a-R->b  b-R->ab  ab-R->b  a-R->a (self-loop)  ab-S->c  c-S->a
//   b-S->x  x-R->a (x is selected only with C or '*')
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.GetJobRequest;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(120)
class SelectionTest {
  private static PluginHarness h;
  private static final Map<Long, String> names = new HashMap<>();
  private static int calls;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (a:A {name: 'a'}), (b:A {name: 'b'}), (c:B {name: 'c'}), "
        + "(ab:A:B {name: 'ab'}), (iso:A {name: 'iso'}), (x:C {name: 'x'}), "
        + "(a)-[:R {w: 1}]->(b), (b)-[:R {w: 2}]->(ab), (ab)-[:R {w: 3}]->(b), "
        + "(a)-[:R {w: 4}]->(a), (ab)-[:S {w: 5}]->(c), (c)-[:S {w: 6}]->(a), "
        + "(b)-[:S {w: 7}]->(x), (x)-[:R {w: 8}]->(a)");
    for (Record r : h.run("MATCH (n) RETURN id(n) AS id, n.name AS name")) {
      names.put(r.get("id").asLong(), r.get("name").asString());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  /** What the sidecar received for one configuration. */
  private record Received(long nodeCount, long relationshipCount, Set<String> written,
      Map<String, Long> snapshot, Map<String, Long> job, Set<String> edges) {}

  /** Runs n2v.write with `selection` and gathers what the sidecar built. */
  private static Received write(String selection) throws Exception {
    String property = "p" + (++calls);
    Record r = h.single("CALL n2v.write({" + selection + ", writeProperty: '" + property + "', "
        + "embeddingDimension: 4, walkLength: 5, walksPerNode: 2}) YIELD nodeCount, "
        + "relationshipCount, nodePropertiesWritten, jobId, snapshotId RETURN *");
    long nodeCount = r.get("nodeCount").asLong();
    assertEquals(nodeCount, r.get("nodePropertiesWritten").asLong());
    Set<String> written = h.run("MATCH (n) WHERE n[$p] IS NOT NULL RETURN n.name AS name",
        Map.of("p", property)).stream().map(x -> x.get("name").asString())
        .collect(Collectors.toCollection(TreeSet::new));
    String jobId = r.get("jobId").asString();
    assertEquals(nodeCount,
        h.grpc.getJob(GetJobRequest.newBuilder().setJobId(jobId).build()).getNodes());
    Set<String> edges = h.run("CALL n2v.edgeFeatures.stream({jobId: $job, operator: 'DOT'}) "
        + "YIELD sourceNodeId, targetNodeId RETURN *", Map.of("job", jobId)).stream()
        .map(x -> names.get(x.get("sourceNodeId").asLong()) + "->"
            + names.get(x.get("targetNodeId").asLong()))
        .collect(Collectors.toCollection(TreeSet::new));
    String snapshotId = r.get("snapshotId").asString();
    return new Received(nodeCount, r.get("relationshipCount").asLong(), written,
        h.sidecarLog("snapshot_created", snapshotId), h.sidecarLog("job_queued", snapshotId),
        edges);
  }

  /** "u-v" for an undirected edge as the sidecar lists it: lower node id first. */
  private static String undirected(String u, String v) {
    long iu = idOf(u);
    long iv = idOf(v);
    return iu <= iv ? u + "->" + v : v + "->" + u;
  }

  private static long idOf(String name) {
    return names.entrySet().stream().filter(e -> e.getValue().equals(name)).findFirst()
        .orElseThrow().getKey();
  }

  @Test
  void oneLabelOneTypeNatural() throws Exception {
    Received got = write("nodeLabels: 'A', relationshipTypes: 'R'");
    assertEquals(4, got.nodeCount());
    assertEquals(4, got.relationshipCount());
    assertEquals(Set.of("a", "ab", "b", "iso"), got.written());
    assertEquals(4, got.snapshot().get("nodes"));
    assertEquals(4, got.snapshot().get("input_edges"));
    assertEquals(4, got.snapshot().get("edges"));
    assertEquals(1, got.snapshot().get("self_loops"));
    assertEquals(4, got.job().get("arcs"), "directed: one arc per edge");
    assertEquals(Set.of("a->b", "b->ab", "ab->b", "a->a"), got.edges());
  }

  @Test
  void reverseTurnsEveryRelationshipAround() throws Exception {
    Received got = write("nodeLabels: 'A', relationshipTypes: 'R', orientation: 'REVERSE'");
    assertEquals(4, got.nodeCount());
    assertEquals(4, got.relationshipCount());
    assertEquals(4, got.snapshot().get("edges"));
    assertEquals(4, got.job().get("arcs"));
    assertEquals(Set.of("b->a", "ab->b", "b->ab", "a->a"), got.edges());
  }

  @Test
  void undirectedMergesOppositeRelationships() throws Exception {
    Received got = write("nodeLabels: 'A', relationshipTypes: 'R', orientation: 'undirected'");
    assertEquals(4, got.nodeCount());
    assertEquals(4, got.relationshipCount(), "relationships read, each once");
    assertEquals(4, got.snapshot().get("input_edges"));
    assertEquals(3, got.snapshot().get("edges"), "b->ab and ab->b are one undirected edge");
    assertEquals(1, got.snapshot().get("merged_duplicates"));
    assertEquals(1, got.snapshot().get("self_loops"));
    assertEquals(5, got.job().get("arcs"), "undirected: both ways, the self-loop once");
    assertEquals(Set.of(undirected("a", "b"), undirected("b", "ab"), "a->a"), got.edges());
  }

  @Test
  void twoLabelsSelectTheirUnionOnceAndOnlyRelationshipsBetweenSelectedNodes()
      throws Exception {
    Received got = write("nodeLabels: ['A', 'B']");
    assertEquals(5, got.nodeCount(), "ab has both labels and counts once");
    assertEquals(Set.of("a", "ab", "b", "c", "iso"), got.written());
    assertEquals(6, got.relationshipCount(), "b->x and x->a lead to an unselected node");
    assertEquals(5, got.snapshot().get("nodes"));
    assertEquals(6, got.snapshot().get("edges"));
    assertEquals(Set.of("a->b", "b->ab", "ab->b", "a->a", "ab->c", "c->a"), got.edges());
  }

  @Test
  void labelAndTypeTogether() throws Exception {
    Received got = write("nodeLabels: 'B', relationshipTypes: ['S']");
    assertEquals(2, got.nodeCount());
    assertEquals(Set.of("ab", "c"), got.written());
    assertEquals(1, got.relationshipCount(), "c->a ends outside B");
    assertEquals(Set.of("ab->c"), got.edges());
  }

  @Test
  void everythingByDefault() throws Exception {
    Received got = write("relationshipWeightProperty: 'w'");
    assertEquals(6, got.nodeCount());
    assertEquals(8, got.relationshipCount());
    assertEquals(Set.of("a", "ab", "b", "c", "iso", "x"), got.written());
    assertEquals(8, got.snapshot().get("edges"));
    assertEquals(Set.of("a->b", "b->ab", "ab->b", "a->a", "ab->c", "c->a", "b->x", "x->a"),
        got.edges());
  }

  @Test
  void aSelectionWithoutRelationshipsStillEmbedsItsNodes() throws Exception {
    Received got = write("nodeLabels: 'C', relationshipTypes: 'R'");
    assertEquals(1, got.nodeCount());
    assertEquals(0, got.relationshipCount());
    assertEquals(Set.of("x"), got.written());
    assertEquals(Set.of(), got.edges());
  }

  @Test
  void estimateAndStreamCountTheSameSelection() {
    String selection = "nodeLabels: ['A', 'B'], relationshipTypes: 'R', orientation: 'REVERSE'";
    Record estimate = h.single("CALL n2v.estimate({" + selection + "}) "
        + "YIELD nodeCount, relationshipCount RETURN *");
    assertEquals(5, estimate.get("nodeCount").asLong());
    assertEquals(4, estimate.get("relationshipCount").asLong());
    Set<String> streamed = h.run("CALL n2v.stream({" + selection + ", embeddingDimension: 4, "
        + "walkLength: 5, walksPerNode: 1}) YIELD nodeId RETURN nodeId").stream()
        .map(x -> names.get(x.get("nodeId").asLong())).collect(Collectors.toSet());
    assertEquals(Set.of("a", "ab", "b", "c", "iso"), streamed);
  }

  @Test
  void edgeFeaturesWriteTouchesOnlySelectedRelationships() {
    Record r = h.single("CALL n2v.edgeFeatures.write({nodeLabels: 'A', relationshipTypes: 'R', "
        + "operator: 'DOT', writeProperty: 'dot', embeddingDimension: 4, walkLength: 5, "
        + "walksPerNode: 1}) YIELD relationshipsWritten RETURN relationshipsWritten");
    assertEquals(4, r.get("relationshipsWritten").asLong());
    Set<String> written = h.run("MATCH (s)-[r]->(t) WHERE r.dot IS NOT NULL "
        + "RETURN s.name + '->' + t.name AS rel").stream().map(x -> x.get("rel").asString())
        .collect(Collectors.toSet());
    assertEquals(Set.of("a->b", "b->ab", "ab->b", "a->a"), written);
  }

  @Test
  void anEmptyLabelListIsRefused() {
    ClientException e = assertThrows(ClientException.class,
        () -> h.run("CALL n2v.stream({nodeLabels: []})"));
    assertTrue(e.getMessage().contains(
        "Configuration key 'nodeLabels' must not be an empty list; use '*' for all"),
        e.getMessage());
  }

  @Test
  void unknownOrientationIsRefused() {
    ClientException e = assertThrows(ClientException.class,
        () -> h.run("CALL n2v.stream({orientation: 'BOTH'})"));
    assertTrue(e.getMessage().contains(
        "Configuration key 'orientation' must be NATURAL, REVERSE or UNDIRECTED, got 'BOTH'"),
        e.getMessage());
  }

  @Test
  void listsOfSelectedThingsAreCheckedOnEveryElement() {
    ClientException e = assertThrows(ClientException.class,
        () -> h.run("CALL n2v.stream({relationshipTypes: ['R', 3]})"));
    assertTrue(e.getMessage().contains("Configuration key 'relationshipTypes' must be a string "
        + "or a list of strings, got ArrayList [R, 3]"), e.getMessage());
  }

  @Test
  void namesOfTheDatabaseAreListedWhenAnUnknownTypeIsAskedFor() {
    ClientException e = assertThrows(ClientException.class,
        () -> h.run("CALL n2v.stream({relationshipTypes: ['R', 'T']})"));
    assertTrue(e.getMessage().contains("Could not find the specified relationshipTypes [T]. "
        + "Relationship types in the database: [R, S]"), e.getMessage());
  }

  @Test
  void selectedNodesAreReportedEvenWhenListsRepeatALabel() throws Exception {
    Received got = write("nodeLabels: ['A', 'A'], relationshipTypes: 'S'");
    assertEquals(4, got.nodeCount());
    assertEquals(List.of(), List.copyOf(got.edges()), "no S relationship joins two A nodes");
  }
}
