// Every procedure on karate (:Member)-[:KNOWS]- and Les Misérables
// (:Character {name})-[:APPEARS_WITH {weight}]-: what it returns, what it
// writes, and vector indexes on the written property.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.JobState;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.ResourceIterator;
import org.neo4j.graphdb.Transaction;

@Timeout(180)
class ProceduresTest {
  /** Karate, small and deterministic: features can be recomputed exactly. */
  private static final String KARATE = "nodeLabels: 'Member', relationshipTypes: 'KNOWS', "
      + "orientation: 'UNDIRECTED', deterministic: true, randomSeed: 3, embeddingDimension: 16, "
      + "walkLength: 20, walksPerNode: 5";
  private static final String LESMIS = "nodeLabels: 'Character', relationshipTypes: "
      + "'APPEARS_WITH', orientation: 'UNDIRECTED', relationshipWeightProperty: 'weight', "
      + "deterministic: true, randomSeed: 5, embeddingDimension: 32, walkLength: 40, "
      + "walksPerNode: 5";
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.loadKarateAndLesMis();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  // ------------------------------------------------------------ n2v.stream

  @Test
  void streamYieldsOneRowPerSelectedNodeWithTheDimension() {
    List<Record> rows = h.run("CALL n2v.stream({" + KARATE + "}) YIELD nodeId, embedding "
        + "RETURN nodeId, embedding");
    assertEquals(34, rows.size());
    Set<Long> members = h.run("MATCH (m:Member) RETURN id(m) AS id").stream()
        .map(r -> r.get("id").asLong()).collect(Collectors.toSet());
    for (Record r : rows) {
      assertTrue(members.contains(r.get("nodeId").asLong()));
      assertEquals(16, r.get("embedding").size());
    }
  }

  // ------------------------------------------------------------ n2v.write

  @Test
  void writeStoresFloatArraysOfTheDimensionOnKarate() {
    Record r = h.single("CALL n2v.write({" + KARATE + ", writeProperty: 'karateVec'}) "
        + "YIELD nodeCount, relationshipCount, nodePropertiesWritten, lossPerIteration, "
        + "configuration, jobId, snapshotId, preProcessingMillis, computeMillis, writeMillis "
        + "RETURN *");
    assertEquals(34, r.get("nodeCount").asLong());
    assertEquals(78, r.get("relationshipCount").asLong());
    assertEquals(34, r.get("nodePropertiesWritten").asLong());
    assertEquals(1, r.get("lossPerIteration").size());
    assertEquals("karateVec", r.get("configuration").get("writeProperty").asString());
    assertTrue(r.get("jobId").asString().startsWith("job-"));
    assertTrue(r.get("snapshotId").asString().startsWith("snap-"));
    Map<Long, float[]> written = floatArrays("Member", "karateVec");
    assertEquals(34, written.size());
    written.values().forEach(v -> assertEquals(16, v.length));
  }

  @Test
  void writeOfWeightedLesMisEqualsItsStreamBitForBit() {
    Record r = h.single("CALL n2v.write({" + LESMIS + ", writeProperty: 'lesmisVec'}) "
        + "YIELD nodeCount, relationshipCount, nodePropertiesWritten RETURN *");
    assertEquals(77, r.get("nodeCount").asLong());
    assertEquals(254, r.get("relationshipCount").asLong());
    assertEquals(77, r.get("nodePropertiesWritten").asLong());
    Map<Long, float[]> written = floatArrays("Character", "lesmisVec");
    Map<Long, float[]> streamed = stream("{" + LESMIS + "}");
    assertEquals(streamed.keySet(), written.keySet());
    for (long id : streamed.keySet()) assertBitsEqual(streamed.get(id), written.get(id));
    // The names are still there, next to the vectors.
    Record valjean = h.single("MATCH (c:Character {name: 'Valjean'}) "
        + "RETURN size(c.lesmisVec) AS d, c.id AS id");
    assertEquals(32, valjean.get("d").asInt());
  }

  @Test
  void rerunningWriteIsIdempotent() {
    String call = "CALL n2v.write({" + KARATE + ", writeProperty: 'again'}) "
        + "YIELD nodePropertiesWritten RETURN nodePropertiesWritten";
    assertEquals(34, h.single(call).get("nodePropertiesWritten").asLong());
    Map<Long, float[]> first = floatArrays("Member", "again");
    assertEquals(34, h.single(call).get("nodePropertiesWritten").asLong());
    Map<Long, float[]> second = floatArrays("Member", "again");
    for (long id : first.keySet()) assertBitsEqual(first.get(id), second.get(id));
  }

  @Test
  void writesCommitOnTheirOwnEvenWhenTheCallingTransactionRollsBack() {
    try (org.neo4j.driver.Session session = h.driver.session();
        org.neo4j.driver.Transaction tx = session.beginTransaction()) {
      tx.run("CALL n2v.write({" + KARATE + ", writeProperty: 'kept'})").consume();
      tx.rollback();
    }
    assertEquals(34, h.single("MATCH (m:Member) WHERE m.kept IS NOT NULL RETURN count(m) AS n")
        .get("n").asLong());
  }

  // ------------------------------------------------------------ vector indexes

  @Test
  void vectorIndexIsCreatedAndFindsTheNodeItselfFirst() {
    h.single("CALL n2v.write({" + KARATE + ", writeProperty: 'indexed', vectorIndex: true}) "
        + "YIELD nodePropertiesWritten RETURN nodePropertiesWritten");
    Record index = h.single("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, "
        + "options, state WHERE name = 'Member_indexed_n2v' RETURN *");
    assertEquals("VECTOR", index.get("type").asString());
    assertEquals(List.of("Member"), index.get("labelsOrTypes").asList());
    assertEquals(List.of("indexed"), index.get("properties").asList());
    assertEquals("ONLINE", index.get("state").asString());
    Map<String, Object> config = index.get("options").get("indexConfig").asMap();
    assertEquals(16L, config.get("vector.dimensions"));
    assertEquals("COSINE", config.get("vector.similarity_function"));
    for (long member : List.of(1L, 17L, 34L)) {
      List<Record> hits = h.run("MATCH (m:Member {id: $id}) "
          + "CALL db.index.vector.queryNodes('Member_indexed_n2v', 5, m.indexed) "
          + "YIELD node, score RETURN node.id AS id, score", Map.of("id", member));
      assertEquals(5, hits.size());
      assertEquals(member, hits.get(0).get("id").asLong());
      // Neo4j's cosine score is (1 + cos) / 2; its default int8 quantization blurs it a bit.
      assertTrue(hits.get(0).get("score").asDouble() > 0.95, hits.toString());
    }
  }

  @Test
  void vectorIndexOfAnotherDimensionFailsTheWriteBeforeItRuns() {
    h.run("CREATE VECTOR INDEX narrow FOR (c:Character) ON (c.narrow) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 8, `vector.similarity_function`: 'cosine'}}");
    int jobsBefore = h.run("CALL n2v.jobs()").size();
    ClientException e = assertThrows(ClientException.class, () -> h.run("CALL n2v.write({"
        + LESMIS + ", writeProperty: 'narrow', vectorIndex: true})"));
    assertTrue(e.getMessage().contains("Vector index 'narrow' on :Character(narrow) has 8 "
        + "dimensions but embeddingDimension is 32. Drop the index or use embeddingDimension 8."),
        e.getMessage());
    assertEquals(0, h.single("MATCH (c:Character) WHERE c.narrow IS NOT NULL "
        + "RETURN count(c) AS n").get("n").asLong());
    assertEquals(jobsBefore, h.run("CALL n2v.jobs()").size(), "no job was started");
  }

  @Test
  void vectorIndexOfAnotherDimensionFailsTheWriteEvenWithoutVectorIndex() {
    // Neo4j would accept the vectors and leave them out of the index, silently.
    h.run("CREATE VECTOR INDEX wide FOR (m:Member) ON (m.wide) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 64, `vector.similarity_function`: 'cosine'}}");
    ClientException e = assertThrows(ClientException.class, () -> h.run("CALL n2v.write({"
        + KARATE + ", writeProperty: 'wide'})"));
    assertTrue(e.getMessage().contains("Vector index 'wide' on :Member(wide) has 64 dimensions "
        + "but embeddingDimension is 16. Drop the index or use embeddingDimension 64."),
        e.getMessage());
    assertEquals(0, h.single("MATCH (m:Member) WHERE m.wide IS NOT NULL RETURN count(m) AS n")
        .get("n").asLong());
  }

  @Test
  void vectorIndexThatExistsUnderAnotherNameIsUsed() {
    h.run("CREATE VECTOR INDEX mine FOR (m:Member) ON (m.mine) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 16, `vector.similarity_function`: 'euclidean'}}");
    Record r = h.single("CALL n2v.write({" + KARATE + ", writeProperty: 'mine', "
        + "vectorIndex: true, vectorSimilarity: 'euclidean'}) YIELD nodePropertiesWritten "
        + "RETURN nodePropertiesWritten");
    assertEquals(34, r.get("nodePropertiesWritten").asLong());
    List<Record> indexes = h.run("SHOW VECTOR INDEXES YIELD name, properties "
        + "WHERE properties = ['mine'] RETURN name");
    assertEquals(List.of("mine"), indexes.stream().map(x -> x.get("name").asString()).toList());
    Record hit = h.single("MATCH (m:Member {id: 5}) "
        + "CALL db.index.vector.queryNodes('mine', 1, m.mine) YIELD node RETURN node.id AS id");
    assertEquals(5, hit.get("id").asLong());
  }

  // ------------------------------------------------------------ edge features

  @Test
  void edgeFeaturesOfTheSelectedRelationshipsAreTheHadamardOfTheStreamedVectors() {
    Map<Long, float[]> vectors = stream("{" + KARATE + "}");
    List<Record> rows = h.run("CALL n2v.edgeFeatures.stream({" + KARATE
        + ", operator: 'HADAMARD'}) YIELD sourceNodeId, targetNodeId, features RETURN *");
    assertEquals(78, rows.size());
    Set<List<Long>> pairs = new java.util.HashSet<>();
    for (Record r : rows) {
      long s = r.get("sourceNodeId").asLong();
      long t = r.get("targetNodeId").asLong();
      pairs.add(List.of(Math.min(s, t), Math.max(s, t)));
      float[] a = vectors.get(s);
      float[] b = vectors.get(t);
      float[] expected = new float[16];
      for (int i = 0; i < 16; i++) expected[i] = a[i] * b[i];
      assertBitsEqual(expected, floats(r.get("features").asList()));
    }
    assertEquals(karatePairs(), pairs);
  }

  @Test
  void cosineAndDotFeaturesAreOneNumber() {
    Map<Long, float[]> vectors = stream("{" + KARATE + "}");
    for (String op : List.of("COSINE", "DOT")) {
      List<Record> rows = h.run("CALL n2v.edgeFeatures.stream({" + KARATE + ", operator: '"
          + op + "'}) YIELD sourceNodeId, targetNodeId, features RETURN *");
      assertEquals(78, rows.size());
      for (Record r : rows) {
        List<Object> f = r.get("features").asList();
        assertEquals(1, f.size());
        float[] a = vectors.get(r.get("sourceNodeId").asLong());
        float[] b = vectors.get(r.get("targetNodeId").asLong());
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
          dot += (double) a[i] * b[i];
          na += (double) a[i] * a[i];
          nb += (double) b[i] * b[i];
        }
        float expected = op.equals("DOT") ? (float) dot : (float) (dot / Math.sqrt(na * nb));
        assertEquals(expected, ((Double) f.get(0)).floatValue(), 1e-6f);
      }
    }
  }

  @Test
  void edgeFeaturesOfExplicitPairsComeInTheirOrder() {
    Map<Long, float[]> vectors = stream("{" + KARATE + "}");
    Map<Long, Long> internal = internalIds("Member");
    long a = internal.get(1L);
    long b = internal.get(34L);
    long c = internal.get(12L);  // 12 and 34 are not adjacent: any pair works
    List<Record> rows = h.run("CALL n2v.edgeFeatures.stream({" + KARATE + ", operator: "
        + "'WEIGHTED_L1', pairs: [[$a, $b], [$c, $b], [$a, $a]]}) "
        + "YIELD sourceNodeId, targetNodeId, features RETURN *", Map.of("a", a, "b", b, "c", c));
    assertEquals(3, rows.size());
    long[][] expectedPairs = {{a, b}, {c, b}, {a, a}};
    for (int p = 0; p < 3; p++) {
      Record r = rows.get(p);
      assertEquals(expectedPairs[p][0], r.get("sourceNodeId").asLong());
      assertEquals(expectedPairs[p][1], r.get("targetNodeId").asLong());
      float[] x = vectors.get(expectedPairs[p][0]);
      float[] y = vectors.get(expectedPairs[p][1]);
      float[] expected = new float[16];
      for (int i = 0; i < 16; i++) expected[i] = Math.abs(x[i] - y[i]);
      assertBitsEqual(expected, floats(r.get("features").asList()));
    }
  }

  @Test
  void edgeFeaturesReuseTheVectorsOfAWriteByJobId() {
    String jobId = h.single("CALL n2v.write({" + LESMIS + ", writeProperty: 'reused'}) "
        + "YIELD jobId RETURN jobId").get("jobId").asString();
    Map<Long, float[]> written = floatArrays("Character", "reused");
    List<Record> rows = h.run("CALL n2v.edgeFeatures.stream({jobId: $job, operator: "
        + "'WEIGHTED_L2'}) YIELD sourceNodeId, targetNodeId, features RETURN *",
        Map.of("job", jobId));
    assertEquals(254, rows.size());
    for (Record r : rows) {
      float[] a = written.get(r.get("sourceNodeId").asLong());
      float[] b = written.get(r.get("targetNodeId").asLong());
      float[] expected = new float[32];
      for (int i = 0; i < 32; i++) {
        float d = a[i] - b[i];
        expected[i] = d * d;
      }
      assertBitsEqual(expected, floats(r.get("features").asList()));
    }
    // The job is still there for more.
    Job job = h.grpc.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
    assertEquals(JobState.JOB_STATE_SUCCEEDED, job.getProgress().getState());
    assertEquals(77, job.getNodes());
  }

  @Test
  void edgeFeaturesWriteSetsAFloatArrayOrADoubleOnEverySelectedRelationship() {
    Record hadamard = h.single("CALL n2v.edgeFeatures.write({" + KARATE + ", operator: "
        + "'HADAMARD', writeProperty: 'had'}) YIELD relationshipsWritten, operator, jobId "
        + "RETURN *");
    assertEquals(78, hadamard.get("relationshipsWritten").asLong());
    assertEquals("HADAMARD", hadamard.get("operator").asString());
    Record cosine = h.single("CALL n2v.edgeFeatures.write({" + KARATE + ", operator: "
        + "'COSINE', writeProperty: 'cos'}) YIELD relationshipsWritten RETURN *");
    assertEquals(78, cosine.get("relationshipsWritten").asLong());
    Map<Long, float[]> vectors = stream("{" + KARATE + "}");
    GraphDatabaseService db = h.neo4j.defaultDatabaseService();
    int seen = 0;
    try (Transaction tx = db.beginTx();
        ResourceIterator<Relationship> rels = tx.findRelationships(
            RelationshipType.withName("KNOWS"))) {
      while (rels.hasNext()) {
        Relationship rel = rels.next();
        Object had = rel.getProperty("had");
        assertInstanceOf(float[].class, had);
        float[] a = vectors.get(rel.getStartNodeId());
        float[] b = vectors.get(rel.getEndNodeId());
        float[] expected = new float[16];
        for (int i = 0; i < 16; i++) expected[i] = a[i] * b[i];
        assertBitsEqual(expected, (float[]) had);
        assertInstanceOf(Double.class, rel.getProperty("cos"));
        double cos = (Double) rel.getProperty("cos");
        assertTrue(cos >= -1.0000001 && cos <= 1.0000001);
        seen++;
      }
    }
    assertEquals(78, seen);
    assertEquals(0, h.single("MATCH ()-[r:APPEARS_WITH]->() WHERE r.had IS NOT NULL "
        + "RETURN count(r) AS n").get("n").asLong(), "unselected relationships are untouched");
  }

  // ------------------------------------------------------------ estimate and jobs

  @Test
  void estimateReportsTheSelectionAndTheMemory() {
    Record r = h.single("CALL n2v.estimate({nodeLabels: 'Character', relationshipWeightProperty: "
        + "'weight', orientation: 'UNDIRECTED'}) YIELD nodeCount, relationshipCount, graphBytes, "
        + "jobBytes, resultBytes, freeBytes, fits, requiredMemory, estimatedSeconds, walkNodes "
        + "RETURN *");
    assertEquals(77, r.get("nodeCount").asLong());
    assertEquals(254, r.get("relationshipCount").asLong());
    assertTrue(r.get("graphBytes").asLong() > 0);
    assertTrue(r.get("jobBytes").asLong() > 0);
    // 77 rows of 128 float32 at least.
    assertTrue(r.get("resultBytes").asLong() >= 77 * 128 * 4, r.toString());
    assertTrue(r.get("freeBytes").asLong() > 0 && r.get("freeBytes").asLong() <= 2L << 30);
    assertTrue(r.get("fits").asBoolean());
    assertTrue(r.get("requiredMemory").asString().matches("[0-9.]+ (B|KiB|MiB)"), r.toString());
    double seconds = r.get("estimatedSeconds").asDouble();
    assertTrue(seconds > 0 && Double.isFinite(seconds), r.toString());
    assertEquals(77L * 10 * 80, r.get("walkNodes").asLong());
    // The estimate scales with the walks: twice the walks per node, twice the time (the
    // sidecar's measured rate is the same for both calls).
    Record twice = h.single("CALL n2v.estimate({nodeLabels: 'Character', "
        + "relationshipWeightProperty: 'weight', orientation: 'UNDIRECTED', walksPerNode: 20}) "
        + "YIELD estimatedSeconds, walkNodes RETURN *");
    assertEquals(77L * 20 * 80, twice.get("walkNodes").asLong());
    assertEquals(2 * seconds, twice.get("estimatedSeconds").asDouble(), 1e-9 * seconds);
  }

  @Test
  void jobsListsJobsWithTheirStates() {
    String jobId = h.single("CALL n2v.write({" + KARATE + ", writeProperty: 'listed'}) "
        + "YIELD jobId RETURN jobId").get("jobId").asString();
    Record job = h.single("CALL n2v.jobs() YIELD jobId, snapshotId, label, state, phase, "
        + "progress, elapsedSeconds, etaSeconds, loss, lossPerIteration, nodeCount, "
        + "embeddingDimension, error WHERE jobId = $job RETURN *", Map.of("job", jobId));
    assertEquals("n2v.write", job.get("label").asString());
    assertEquals("SUCCEEDED", job.get("state").asString());
    assertEquals("DONE", job.get("phase").asString());
    assertEquals(1.0, job.get("progress").asDouble());
    assertEquals(34, job.get("nodeCount").asLong());
    assertEquals(16, job.get("embeddingDimension").asLong());
    assertEquals(1, job.get("lossPerIteration").size());
    assertEquals("", job.get("error").asString());
    // n2v.stream drops its job once the vectors are out: nothing of it stays listed.
    Set<String> labels = h.run("CALL n2v.jobs() YIELD label RETURN label").stream()
        .map(x -> x.get("label").asString()).collect(Collectors.toSet());
    assertFalse(labels.contains("n2v.stream"), labels.toString());
  }

  // ------------------------------------------------------------ registration

  @Test
  void proceduresAreRegisteredWithTheirModesAndNeedNoUnrestrictedAccess() {
    Map<String, String> modes = new TreeMap<>();
    for (Record r : h.run("SHOW PROCEDURES YIELD name, mode WHERE name STARTS WITH 'n2v.' "
        + "RETURN name, mode")) {
      modes.put(r.get("name").asString(), r.get("mode").asString());
    }
    Map<String, String> expected = new TreeMap<>();
    for (String read : List.of("n2v.stream", "n2v.mutate", "n2v.edgeFeatures.stream",
        "n2v.estimate", "n2v.stream.estimate", "n2v.write.estimate", "n2v.mutate.estimate",
        "n2v.jobs", "n2v.listProgress", "n2v.graph.project", "n2v.graph.list", "n2v.graph.drop",
        "n2v.graph.exists", "n2v.graph.nodeProperty.stream")) {
      expected.put(read, "READ");
    }
    expected.put("n2v.write", "SCHEMA");
    expected.put("n2v.edgeFeatures.write", "WRITE");
    assertEquals(expected, modes);
    assertEquals(List.of("n2v.graph.project"), h.run("SHOW FUNCTIONS YIELD name, "
        + "isBuiltIn WHERE name STARTS WITH 'n2v.' RETURN name").stream()
        .map(r -> r.get("name").asString()).toList());
    // Every test here runs without dbms.security.procedures.unrestricted.
    assertEquals("", h.single("SHOW SETTINGS 'dbms.security.procedures.unrestricted' "
        + "YIELD value RETURN value").get("value").asString());
  }

  // ------------------------------------------------------------ helpers

  private static Map<Long, float[]> stream(String config) {
    Map<Long, float[]> out = new TreeMap<>();
    for (Record r : h.run("CALL n2v.stream(" + config + ") YIELD nodeId, embedding "
        + "RETURN nodeId, embedding")) {
      out.put(r.get("nodeId").asLong(), floats(r.get("embedding").asList()));
    }
    return out;
  }

  /** The property as stored, by internal id; it must be a float[]. */
  private static Map<Long, float[]> floatArrays(String label, String property) {
    Map<Long, float[]> out = new TreeMap<>();
    try (Transaction tx = h.neo4j.defaultDatabaseService().beginTx();
        ResourceIterator<Node> nodes = tx.findNodes(Label.label(label))) {
      while (nodes.hasNext()) {
        Node node = nodes.next();
        Object value = node.getProperty(property);
        assertInstanceOf(float[].class, value);
        out.put(node.getId(), (float[]) value);
      }
    }
    return out;
  }

  private static Map<Long, Long> internalIds(String label) {
    Map<Long, Long> out = new HashMap<>();
    for (Record r : h.run("MATCH (n:" + label + ") RETURN n.id AS id, id(n) AS internal")) {
      out.put(r.get("id").asLong(), r.get("internal").asLong());
    }
    return out;
  }

  private static Set<List<Long>> karatePairs() throws RuntimeException {
    Map<Long, Long> internal = internalIds("Member");
    Set<List<Long>> out = new java.util.HashSet<>();
    try {
      for (long[] e : PluginHarness.karateEdges()) {
        long s = internal.get(e[0]);
        long t = internal.get(e[1]);
        out.add(List.of(Math.min(s, t), Math.max(s, t)));
      }
    } catch (java.io.IOException e) {
      throw new RuntimeException(e);
    }
    return out;
  }

  private static float[] floats(List<Object> values) {
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) v[i] = ((Double) values.get(i)).floatValue();
    return v;
  }

  private static void assertBitsEqual(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        throw new AssertionError("element " + i + ": expected " + expected[i] + ", got "
            + actual[i]);
      }
    }
  }
}
