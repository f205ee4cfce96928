// node2vec on named graphs: stream, mutate, write and the estimates in
// GDS's (graphName, configuration) form give what the anonymous form gives
// on the same selection; mutated vectors stream back and feed edge
// features; GDS's keys (jobId, logProgress, embeddingInitializer,
// walkBufferSize, sourceNodes, sudo, username, writeConcurrency) do what
// GDS documents; `configuration` holds the resolved defaults.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.Job;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(300)
class NamedGraphRunsTest {
  private static final String PARAMS = "deterministic: true, randomSeed: 3, "
      + "embeddingDimension: 16, walkLength: 20, walksPerNode: 5";
  private static final String KARATE_SELECTION = "nodeLabels: 'Member', relationshipTypes: "
      + "'KNOWS', orientation: 'UNDIRECTED'";
  private static final String LESMIS_SELECTION = "nodeLabels: 'Character', relationshipTypes: "
      + "'APPEARS_WITH', orientation: 'UNDIRECTED'";
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.loadKarateAndLesMis();
    h.run("CALL n2v.graph.project('karate', 'Member', {KNOWS: {orientation: 'UNDIRECTED'}})");
    h.run("CALL n2v.graph.project('lesmis', 'Character', {APPEARS_WITH: {orientation: "
        + "'UNDIRECTED', properties: 'weight'}})");
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

  /** nodeId -> vector of a stream call, as float bits. */
  private static Map<Long, List<Object>> vectors(String call, String idColumn, String column) {
    Map<Long, List<Object>> out = new TreeMap<>();
    for (Record r : h.run(call)) out.put(r.get(idColumn).asLong(), r.get(column).asList());
    return out;
  }

  private static Map<Long, List<Object>> stream(String args) {
    return vectors("CALL n2v.stream(" + args + ") YIELD nodeId, embedding RETURN *", "nodeId",
        "embedding");
  }

  private static Job job(String jobId) {
    return h.grpc.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
  }

  // ------------------------------------------------------------ the modes

  @Test
  void streamOfANamedGraphEqualsTheAnonymousStream() {
    Map<Long, List<Object>> named = stream("'karate', {" + PARAMS + "}");
    assertEquals(34, named.size());
    assertEquals(stream("{" + KARATE_SELECTION + ", " + PARAMS + "}"), named);
  }

  @Test
  void weightedStreamUsesTheWeightedCopy() {
    Map<Long, List<Object>> weighted =
        stream("'lesmis', {relationshipWeightProperty: 'weight', " + PARAMS + "}");
    assertEquals(stream("{" + LESMIS_SELECTION + ", relationshipWeightProperty: 'weight', "
        + PARAMS + "}"), weighted);
    assertEquals(stream("{" + LESMIS_SELECTION + ", " + PARAMS + "}"),
        stream("'lesmis', {" + PARAMS + "}"), "no weight property: unweighted, as GDS");
    assertNotEquals(weighted, stream("'lesmis', {" + PARAMS + "}"));
  }

  @Test
  void mutatedVectorsStreamBackAndFeedEdgeFeatures() {
    Record r = h.single("CALL n2v.mutate('karate', {mutateProperty: 'emb', " + PARAMS + "})");
    assertEquals(34, r.get("nodeCount").asLong());
    assertEquals(34, r.get("nodePropertiesWritten").asLong());
    assertEquals(1, r.get("lossPerIteration").size());
    assertEquals("emb", r.get("configuration").get("mutateProperty").asString());
    Map<Long, List<Object>> stored = vectors("CALL n2v.graph.nodeProperty.stream('karate', "
        + "'emb') YIELD nodeId, propertyValue RETURN *", "nodeId", "propertyValue");
    assertEquals(stream("'karate', {" + PARAMS + "}"), stored);
    assertEquals(List.of("Member"), h.run("CALL n2v.graph.nodeProperty.stream('karate', 'emb', "
        + "['Member']) YIELD nodeLabels RETURN DISTINCT nodeLabels").get(0).get("nodeLabels")
        .asList());
    // The graph's edges with the stored vectors: the Hadamard product of its ends.
    List<Record> features = h.run("CALL n2v.edgeFeatures.stream({graphName: 'karate', "
        + "nodeProperty: 'emb', operator: 'HADAMARD'}) YIELD sourceNodeId, targetNodeId, "
        + "features RETURN *");
    assertEquals(78, features.size());
    for (Record f : features) {
      List<Object> a = stored.get(f.get("sourceNodeId").asLong());
      List<Object> b = stored.get(f.get("targetNodeId").asLong());
      List<Object> got = f.get("features").asList();
      for (int i = 0; i < 16; i++) {
        assertEquals(((Double) a.get(i)).floatValue() * ((Double) b.get(i)).floatValue(),
            ((Double) got.get(i)).floatValue());
      }
    }
    fails("CALL n2v.mutate('karate', {mutateProperty: 'emb', " + PARAMS + "})",
        "Node property 'emb' already exists in graph 'karate'.");
    assertTrue(h.single("CALL n2v.graph.list('karate')").get("schema").get("nodes")
        .get("Member").get("emb").asString().startsWith("List of Float"));
  }

  @Test
  void mutateWithAWeightKeepsTheVectorsWithTheGraph() {
    h.run("CALL n2v.mutate('lesmis', {mutateProperty: 'wemb', relationshipWeightProperty: "
        + "'weight', " + PARAMS + "})");
    assertEquals(stream("'lesmis', {relationshipWeightProperty: 'weight', " + PARAMS + "}"),
        vectors("CALL n2v.graph.nodeProperty.stream('lesmis', 'wemb')", "nodeId",
            "propertyValue"));
  }

  @Test
  void writeOfANamedGraphEqualsItsStream() {
    Record r = h.single("CALL n2v.write('karate', {writeProperty: 'written', " + PARAMS + "}) "
        + "YIELD nodeCount, relationshipCount, nodePropertiesWritten, jobId RETURN *");
    assertEquals(34, r.get("nodeCount").asLong());
    assertEquals(156, r.get("relationshipCount").asLong(), "GDS counts undirected twice");
    assertEquals(34, r.get("nodePropertiesWritten").asLong());
    Map<Long, List<Object>> written = vectors("MATCH (m:Member) RETURN id(m) AS id, "
        + "m.written AS v", "id", "v");
    assertEquals(stream("'karate', {" + PARAMS + "}"), written);
  }

  @Test
  void estimatesOfANamedGraph() {
    Record stream = h.single("CALL n2v.stream.estimate('karate', {embeddingDimension: 64})");
    assertEquals(34, stream.get("nodeCount").asLong());
    assertEquals(156, stream.get("relationshipCount").asLong());
    long bytes = stream.get("bytesMax").asLong();
    assertTrue(bytes > 0);
    // The sidecar budget is 2 GiB (SidecarProcess).
    assertEquals(100.0 * bytes / (2L << 30), stream.get("heapPercentageMax").asDouble(), 1e-9);
    assertTrue(stream.get("treeView").asString().startsWith("Node2Vec on the n2v sidecar: "));
    Record mutate = h.single("CALL n2v.mutate.estimate('karate', {embeddingDimension: 64, "
        + "mutateProperty: 'x'})");
    long resultBytes = h.single("CALL n2v.estimate({" + KARATE_SELECTION + ", "
        + "embeddingDimension: 64})").get("resultBytes").asLong();
    assertTrue(resultBytes >= 34 * 64 * 4);
    assertEquals(bytes + resultBytes, mutate.get("bytesMax").asLong(),
        "mutate keeps the vectors with the graph");
    Record anonymous = h.single("CALL n2v.write.estimate({" + KARATE_SELECTION + "}, "
        + "{writeProperty: 'x', embeddingDimension: 64})");
    assertEquals(34, anonymous.get("nodeCount").asLong());
    assertTrue(anonymous.get("bytesMax").asLong() > bytes, "the graph is not uploaded yet");
  }

  // ------------------------------------------------------------ GDS's keys

  @Test
  void configurationHoldsTheResolvedDefaults() {
    Record r = h.single("CALL n2v.write('karate', {writeProperty: 'resolved', "
        + "embeddingDimension: 8}) YIELD configuration, lossPerIteration, jobId RETURN *");
    Map<String, Object> c = r.get("configuration").asMap();
    assertEquals(80L, c.get("walkLength"));
    assertEquals(10L, c.get("walksPerNode"));
    assertEquals(10L, c.get("windowSize"));
    assertEquals(8L, c.get("embeddingDimension"));
    assertEquals(4L, c.get("concurrency"));
    assertEquals(4L, c.get("writeConcurrency"));
    assertEquals("NORMALIZED", c.get("embeddingInitializer"));
    assertEquals(0.025, c.get("initialLearningRate"));
    assertEquals(List.of("*"), c.get("nodeLabels"));
    assertEquals(List.of(), c.get("sourceNodes"));
    assertEquals(Boolean.TRUE, c.get("logProgress"));
    assertEquals(Boolean.FALSE, c.get("sudo"));
    assertEquals("", c.get("username"));
    assertEquals("resolved", c.get("writeProperty"));
    assertTrue(c.containsKey("walkBufferSize") && c.containsKey("jobId"), c.toString());
    assertFalse(c.keySet().stream().anyMatch(k -> k.toLowerCase().contains("token")));
    // lossPerIteration is GDS's: the loss summed over every pair of an iteration.
    Job job = job(r.get("jobId").asString());
    assertEquals(job.getLossSumPerEpochList(), r.get("lossPerIteration").asList());
    assertTrue(job.getLossSumPerEpoch(0) > 100 * job.getLossPerEpoch(0));
  }

  @Test
  void jobIdIsWhatListProgressShows() {
    h.run("CALL n2v.write('karate', {writeProperty: 'tracked', jobId: 'karate-job', "
        + "embeddingDimension: 8})");
    List<Record> rows = h.run("CALL n2v.listProgress('karate-job')");
    assertEquals(List.of("Node2Vec", "|-- counting walks", "|-- training"),
        rows.stream().map(r -> r.get("taskName").asString()).toList());
    for (Record r : rows) {
      assertEquals("karate-job", r.get("jobId").asString());
      assertEquals("", r.get("username").asString());
      assertEquals("FINISHED", r.get("status").asString());
      assertEquals("100%", r.get("progress").asString());
      assertEquals("[##########]", r.get("progressBar").asString());
      assertTrue(r.get("elapsedTime").asString().startsWith("PT"));
    }
    assertTrue(h.run("CALL n2v.listProgress() YIELD jobId RETURN jobId").stream()
        .anyMatch(r -> r.get("jobId").asString().equals("karate-job")));
    assertEquals(0, h.run("CALL n2v.listProgress('no-such-job')").size());
  }

  @Test
  void logProgressDecidesWhetherTheLogHearsOfTheJob() throws IOException {
    h.run("CALL n2v.stream('karate', {jobId: 'logged-job', embeddingDimension: 4})");
    h.run("CALL n2v.stream('karate', {jobId: 'quiet-job', logProgress: false, "
        + "embeddingDimension: 4})");
    String log = neo4jLogs();
    assertTrue(log.contains("n2v.stream [jobId logged-job]: n2v job job-"), log);
    assertTrue(log.contains("n2v.stream [jobId logged-job]: n2v job ")
        && log.contains(" 100% finished"), log);
    assertFalse(log.contains("quiet-job"));
  }

  /** Every log file the harness's Neo4j wrote. */
  static String neo4jLogs(PluginHarness h) throws IOException {
    Path dir = h.neo4j.config().get(GraphDatabaseSettings.logs_directory);
    try (Stream<Path> files = Files.walk(dir)) {
      StringBuilder out = new StringBuilder();
      for (Path f : files.filter(Files::isRegularFile).toList()) out.append(Files.readString(f));
      return out.toString();
    }
  }

  private static String neo4jLogs() throws IOException { return neo4jLogs(h); }

  @Test
  void embeddingInitializer() {
    Map<Long, List<Object>> normalized = stream("'karate', {" + PARAMS + "}");
    Map<Long, List<Object>> uniform =
        stream("'karate', {embeddingInitializer: 'uniform', " + PARAMS + "}");
    assertNotEquals(normalized, uniform);
    assertEquals(uniform, stream("'karate', {embeddingInitializer: 'UNIFORM', " + PARAMS + "}"));
    fails("CALL n2v.stream('karate', {embeddingInitializer: 'gaussian'})",
        "Configuration key 'embeddingInitializer' must be one of NORMALIZED, UNIFORM, got "
            + "'gaussian'");
  }

  @Test
  void walkBufferSizeOnlyBatches() {
    assertEquals(stream("'karate', {" + PARAMS + "}"),
        stream("'karate', {walkBufferSize: 3, " + PARAMS + "}"));
    assertEquals(3L, h.single("CALL n2v.write('karate', {walkBufferSize: 3, writeProperty: "
        + "'buffered', embeddingDimension: 4}) YIELD configuration RETURN configuration")
        .get("configuration").get("walkBufferSize").asLong());
  }

  @Test
  void sourceNodesStartTheWalks() {
    List<Long> ids = h.run("MATCH (m:Member) WHERE m.id IN [1, 34] RETURN id(m) AS id").stream()
        .map(r -> r.get("id").asLong()).toList();
    Record r = h.single("CALL n2v.write('karate', {sourceNodes: $ids, writeProperty: 'sourced', "
        + "embeddingDimension: 4}) YIELD jobId, configuration RETURN *", Map.of("ids", ids));
    assertEquals(2, job(r.get("jobId").asString()).getWalkStartNodes());
    assertEquals(ids.stream().sorted().toList(), r.get("configuration").get("sourceNodes")
        .asList().stream().map(x -> (Long) x).sorted().toList());
    // Nodes work as well as ids.
    assertEquals(34, h.run("MATCH (m:Member {id: 1}) WITH collect(m) AS start "
        + "CALL n2v.stream('karate', {sourceNodes: start, embeddingDimension: 4}) "
        + "YIELD nodeId RETURN nodeId").size());
    fails("CALL n2v.stream('karate', {sourceNodes: [999999]})", "n2v job job-",
        " failed: Configuration key 'sourceNodes': node id 999999 is not in the graph");
    fails("CALL n2v.stream('karate', {sourceNodes: ['a']})",
        "Configuration key 'sourceNodes' must be a list of node ids or nodes, got String 'a'");
  }

  @Test
  void sudoUsernameAndWriteConcurrency() {
    Record r = h.single("CALL n2v.write('karate', {sudo: true, username: '', writeConcurrency: "
        + "2, writeProperty: 'sudo', embeddingDimension: 4}) YIELD configuration RETURN *");
    assertEquals(Boolean.TRUE, r.get("configuration").get("sudo").asBoolean());
    assertEquals(2, r.get("configuration").get("writeConcurrency").asLong());
    fails("CALL n2v.stream('karate', {username: 'someone'})",
        "Only an admin may act for another user: configuration key 'username' is 'someone', but "
            + "the caller is ''");
    fails("CALL n2v.write('karate', {writeProperty: 'x', writeConcurrency: 0})",
        "Configuration key 'writeConcurrency' must be at least 1, got 0");
  }

  // ------------------------------------------------------------ refusals

  @Test
  void aGraphThatDoesNotExist() {
    fails("CALL n2v.stream('nope', {})", "Graph with name 'nope' does not exist on database "
        + "'neo4j'.");
    fails("CALL n2v.graph.nodeProperty.stream('nope', 'x')", "Graph with name 'nope' does not "
        + "exist on database 'neo4j'.");
  }

  @Test
  void filtersMustCoverTheWholeGraph() {
    fails("CALL n2v.stream('karate', {nodeLabels: ['Member', 'X']})",
        "Configuration key 'nodeLabels' names [X], which graph 'karate' does not hold. It holds "
            + "[Member]");
    assertEquals(34, h.run("CALL n2v.stream('karate', {nodeLabels: 'Member', "
        + "relationshipTypes: ['KNOWS'], embeddingDimension: 4})").size());
    fails("CALL n2v.stream('lesmis', {relationshipWeightProperty: 'nope'})",
        "Relationship weight property 'nope' not found in graph 'lesmis'. Properties on every "
            + "relationship type: [weight]");
  }

  @Test
  void keysOfAnotherForm() {
    fails("CALL n2v.write('karate', {writeProperty: 'x', warmStart: true})",
        "Unknown configuration key 'warmStart'. Valid keys: ");
    fails("CALL n2v.stream('karate', {orientation: 'UNDIRECTED'})",
        "Unknown configuration key 'orientation'. Valid keys: ");
    fails("CALL n2v.mutate('karate', {})",
        "Configuration key 'mutateProperty' is required: the node property to store on the graph");
    fails("CALL n2v.stream(3)", "The first argument of n2v.stream must be a graph name (a "
        + "string) or a configuration map, got Long 3");
    fails("CALL n2v.stream({nodeLabels: 'Member'}, {embeddingDimension: 4})",
        "Give the configuration once: n2v.stream(graphName, configuration) runs on a named "
            + "graph, n2v.stream(configuration) reads the selection from Neo4j");
  }

  @Test
  void nodePropertyThatIsNotThere() {
    fails("CALL n2v.graph.nodeProperty.stream('karate', 'nothing')",
        "Node property 'nothing' not found in graph 'karate'. Its node properties (stored by "
            + "n2v.mutate): ");
    fails("CALL n2v.edgeFeatures.stream({graphName: 'karate'})",
        "Configuration keys 'graphName' and 'nodeProperty' go together: the node property "
            + "n2v.mutate stored on that named graph");
  }

  static Map<String, Long> counts(List<Record> rows, String column) {
    return rows.stream().collect(Collectors.groupingBy(r -> r.get(column).asString(),
        TreeMap::new, Collectors.counting()));
  }
}
