// Every way a call can be refused, one per test, with the exact text the
// plugin produces (Neo4j wraps it: "Failed to invoke procedure `n2v.x`:
// Caused by: java.lang...Exception: <text>").
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(120)
class ErrorsTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (p1:P {name: 'p1'}), (p2:P {name: 'p2'}), (p3:P {name: 'p3'}), "
        + "(p1)-[:W {w: 1.5}]->(p2), (p2)-[:W {w: 2}]->(p3), "
        + "(p1)-[:MISSING]->(p3), (p2)-[:TEXT {w: 'heavy'}]->(p1), "
        + "(p3)-[:NEG {w: -2}]->(p1), (p3)-[:HUGE {w: 1.0e300}]->(p2), "
        + "(p3)-[:LIST {w: [1, 2]}]->(p2)");
    h.run("UNWIND range(1, 100) AS i CREATE (:Many {i: i})");
    h.run("MATCH (a:Many), (b:Many) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT]->(b)");
    h.run("CREATE (:Twin), (:Twin), (:Twin)");
    h.run("CREATE CONSTRAINT twin_vec FOR (t:Twin) REQUIRE t.vec IS UNIQUE");
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  /** Runs `cypher`, which must fail, and checks the message holds every part. */
  private static String fails(String cypher, String... parts) {
    ClientException e = assertThrows(ClientException.class, () -> h.run(cypher));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected «" + part + "» in: " + e.getMessage());
    }
    return e.getMessage();
  }

  /** "Relationship 7 (:TEXT from node 1 to node 0)" for the one relationship of `type`. */
  private static String where(String type) {
    Record r = h.single("MATCH (s)-[r:" + type + "]->(t) RETURN id(r) AS r, id(s) AS s, "
        + "id(t) AS t");
    return "Relationship " + r.get("r").asLong() + " (:" + type + " from node "
        + r.get("s").asLong() + " to node " + r.get("t").asLong() + ")";
  }

  // ------------------------------------------------------------ the sidecar
  // (refusals that need another sidecar or other settings: SidecarConnectionTest)

  @Test
  void parameterTheSidecarRefuses() {
    fails("CALL n2v.stream({minLearningRate: 0.5})",
        "The n2v sidecar rejected the input while starting the embedding job: "
            + "Configuration key 'minLearningRate' must be between 0 and "
            + "'initialLearningRate' (0.025), got 0.5");
  }

  @Test
  void anotherParameterTheSidecarRefuses() {
    fails("CALL n2v.stream({positiveSamplingFactor: -1})",
        "The n2v sidecar rejected the input while starting the embedding job: "
            + "Configuration key 'positiveSamplingFactor' must be finite and >= 0, got -1");
  }

  @Test
  void unknownJobId() {
    fails("CALL n2v.edgeFeatures.stream({jobId: 'job-nope'})",
        "The n2v sidecar failed while computing edge features: NOT_FOUND: job 'job-nope' "
            + "not found");
  }

  @Test
  void pairWithANodeTheJobDoesNotKnow() {
    String jobId = h.single("CALL n2v.write({nodeLabels: 'P', writeProperty: 'pv', " + SMALL
        + "}) YIELD jobId RETURN jobId").get("jobId").asString();
    fails("CALL n2v.edgeFeatures.stream({jobId: '" + jobId + "', pairs: [[0, 123456]]})",
        "The n2v sidecar failed while computing edge features: NOT_FOUND: pair chunk 0: "
            + "node id 123456 (target of pair 0) has no embedding");
  }

  @Test
  void edgeFeaturesWriteFailingPartWaySaysWhatItWrote() {
    String jobId = h.single("CALL n2v.write({nodeLabels: 'P', writeProperty: 'pw', " + SMALL
        + "}) YIELD jobId RETURN jobId").get("jobId").asString();
    // P's two W relationships come first and are written; NEXT joins nodes the job lacks.
    String message = fails("CALL n2v.edgeFeatures.write({jobId: '" + jobId + "', "
        + "relationshipTypes: ['W', 'NEXT'], writeProperty: 'partial', writeBatchSize: 1})",
        "n2v.edgeFeatures.write failed after writing 'partial' on 2 relationships: those hold "
            + "new values, the others old ones. Re-run it to complete it (re-runs are "
            + "idempotent). Cause: The n2v sidecar failed while computing edge features: "
            + "NOT_FOUND: pair chunk 2: node id ");
    assertTrue(message.contains("has no embedding"), message);
    assertEquals(2, h.single("MATCH ()-[r]->() WHERE r.partial IS NOT NULL RETURN count(r) AS n")
        .get("n").asLong());
  }

  @Test
  void writeFailingPartWaySaysWhatItWrote() {
    // Isolated nodes with isolatedNodes 'zero' all get the zero vector, which the
    // uniqueness constraint on :Twin(vec) refuses from the second node on.
    fails("CALL n2v.write({nodeLabels: 'Twin', writeProperty: 'vec', isolatedNodes: 'zero', "
        + "writeBatchSize: 1, " + SMALL + "})",
        "n2v.write failed after writing 'vec' on 1 of 3 nodes: the property now holds new "
            + "vectors on those nodes and old values elsewhere. Re-run n2v.write to complete it "
            + "(re-runs are idempotent). Cause: ", "already exists with label `Twin` and "
            + "property `vec`");
    assertEquals(1, h.single("MATCH (t:Twin) WHERE t.vec IS NOT NULL RETURN count(t) AS n")
        .get("n").asLong());
  }

  // ------------------------------------------------------------ the selection

  @Test
  void unknownLabel() {
    fails("CALL n2v.stream({nodeLabels: ['P', 'Nope']})",
        "Could not find the specified nodeLabels [Nope]. Labels in the database: "
            + "[Many, P, Twin]");
  }

  @Test
  void emptyDatabase() {
    long nodes = h.single("MATCH (n) RETURN count(n) AS n").get("n").asLong();
    try (Session session = h.driver.session(); Transaction tx = session.beginTransaction()) {
      tx.run("MATCH (n) DETACH DELETE n").consume();
      ClientException e = assertThrows(ClientException.class,
          () -> tx.run("CALL n2v.stream({})").list());
      assertTrue(e.getMessage().contains("The selection is empty: the database has no nodes."),
          e.getMessage());
    }
    assertEquals(nodes, h.single("MATCH (n) RETURN count(n) AS n").get("n").asLong(),
        "rolled back");
  }

  @Test
  void labelWhoseNodesAreDeletedInThisTransaction() {
    // A label without nodes is not "in use": it reads as unknown, not as an empty selection.
    try (Session session = h.driver.session(); Transaction tx = session.beginTransaction()) {
      tx.run("MATCH (n:P) DETACH DELETE n").consume();
      ClientException e = assertThrows(ClientException.class,
          () -> tx.run("CALL n2v.stream({nodeLabels: 'P'})").list());
      assertTrue(e.getMessage().contains(
          "Could not find the specified nodeLabels [P]. Labels in the database: [Many, Twin]"),
          e.getMessage());
    }
  }

  @Test
  void missingWeightProperty() {
    fails("CALL n2v.write({relationshipWeightProperty: 'w', relationshipTypes: ['W', "
        + "'MISSING'], writeProperty: 'never'})",
        where("MISSING") + " has no property 'w' (relationshipWeightProperty). Give every "
            + "selected relationship a weight, or select only weighted ones with "
            + "relationshipTypes.");
    assertEquals(0, h.single("MATCH (n) WHERE n.never IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong());
  }

  @Test
  void nonNumericWeight() {
    fails("CALL n2v.stream({relationshipWeightProperty: 'w', relationshipTypes: 'TEXT'})",
        where("TEXT") + " has a non-numeric 'w': String 'heavy'. relationshipWeightProperty "
            + "must name a numeric property.");
  }

  @Test
  void listWeight() {
    fails("CALL n2v.stream({relationshipWeightProperty: 'w', relationshipTypes: 'LIST'})",
        where("LIST") + " has a non-numeric 'w': long[] [1, 2]. relationshipWeightProperty "
            + "must name a numeric property.");
  }

  @Test
  void negativeWeight() {
    fails("CALL n2v.stream({relationshipWeightProperty: 'w', relationshipTypes: 'NEG'})",
        where("NEG") + " has weight -2.0 in 'w'; weights must be finite and > 0 (as 32-bit "
            + "floats: 1.4E-45 to 3.4028235E38).");
  }

  @Test
  void weightTooLargeForAFloat() {
    fails("CALL n2v.stream({relationshipWeightProperty: 'w', relationshipTypes: 'HUGE'})",
        where("HUGE") + " has weight 1.0E300 in 'w'; weights must be finite and > 0 (as 32-bit "
            + "floats: 1.4E-45 to 3.4028235E38).");
  }

  // ------------------------------------------------------------ the configuration map

  @Test
  void unknownKeyWithASuggestion() {
    fails("CALL n2v.stream({walkLenght: 10})",
        "Unknown configuration key 'walkLenght' (did you mean 'walkLength'?). Valid keys: "
            + "concurrency, deterministic, embeddingDimension, embeddingInitializer, inOutFactor, "
            + "initialLearningRate, isolatedNodes, iterations, jobId, logProgress, "
            + "minLearningRate, negativeSamplingExponent, negativeSamplingRate, nodeLabels, "
            + "orientation, positiveSamplingFactor, randomSeed, relationshipTypes, "
            + "relationshipWeightProperty, returnFactor, sourceNodes, sudo, username, "
            + "walkBufferSize, walkLength, walksPerNode, windowSize");
  }

  @Test
  void keyOfAnotherProcedure() {
    String message = fails("CALL n2v.stream({writeProperty: 'x'})",
        "Unknown configuration key 'writeProperty'. Valid keys: concurrency, ");
    assertTrue(!message.contains("did you mean"), message);
  }

  @Test
  void wrongType() {
    fails("CALL n2v.stream({walkLength: 'ten'})",
        "Configuration key 'walkLength' must be an integer, got String 'ten'");
  }

  @Test
  void fractionWhereAnIntegerBelongs() {
    fails("CALL n2v.stream({walksPerNode: 2.5})",
        "Configuration key 'walksPerNode' must be an integer, got Double 2.5");
  }

  @Test
  void stringWhereABooleanBelongs() {
    fails("CALL n2v.stream({deterministic: 'yes'})",
        "Configuration key 'deterministic' must be a boolean, got String 'yes'");
  }

  @Test
  void negativeReturnFactor() {
    fails("CALL n2v.stream({returnFactor: -1})",
        "Configuration key 'returnFactor' must be finite and > 0, got -1");
  }

  @Test
  void inOutFactorSoSmallAStepCouldTakeWithoutEnd() {
    fails("CALL n2v.stream({inOutFactor: 0.000001})",
        "Configuration key 'inOutFactor' must be between 0.01 and 100, got 1e-06");
  }

  @Test
  void zeroEmbeddingDimension() {
    fails("CALL n2v.stream({embeddingDimension: 0})",
        "Configuration key 'embeddingDimension' must be between 1 and 65536, got 0");
  }

  @Test
  void embeddingDimensionAboveWhatVectorIndexesTake() {
    fails("CALL n2v.write({writeProperty: 'big', vectorIndex: true, embeddingDimension: 4097})",
        "Configuration key 'embeddingDimension' must be at most 4096 with vectorIndex: true "
            + "(Neo4j's vector indexes take no more), got 4097");
  }

  @Test
  void embeddingDimensionAboveTheEnginesLimit() {
    fails("CALL n2v.stream({embeddingDimension: 70000})",
        "Configuration key 'embeddingDimension' must be between 1 and 65536, got 70000");
  }

  @Test
  void countsThatDoNotFitTheProto() {
    fails("CALL n2v.stream({walkLength: -5})",
        "Configuration key 'walkLength' must be a non-negative integer below 2^32, got -5");
  }

  @Test
  void unknownIsolatedNodesPolicy() {
    fails("CALL n2v.stream({isolatedNodes: 'drop'})",
        "Configuration key 'isolatedNodes' must be 'random' or 'zero', got 'drop'");
  }

  @Test
  void writePropertyMissing() {
    fails("CALL n2v.write({nodeLabels: 'P'})",
        "Configuration key 'writeProperty' is required: the node property to write");
  }

  @Test
  void writePropertyBlank() {
    fails("CALL n2v.write({writeProperty: ' '})",
        "Configuration key 'writeProperty' must not be blank");
  }

  @Test
  void vectorIndexWithoutOneLabel() {
    fails("CALL n2v.write({writeProperty: 'v', vectorIndex: true})",
        "vectorIndex needs one label to index: select a single label with nodeLabels, or set "
            + "vectorIndexLabel");
  }

  @Test
  void unknownVectorSimilarity() {
    fails("CALL n2v.write({writeProperty: 'v', nodeLabels: 'P', vectorIndex: true, "
        + "vectorSimilarity: 'dot'})",
        "Configuration key 'vectorSimilarity' must be 'cosine' or 'euclidean', got 'dot'");
  }

  @Test
  void unknownOperator() {
    fails("CALL n2v.edgeFeatures.stream({operator: 'SUM'})",
        "Configuration key 'operator' must be AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, "
            + "COSINE or DOT, got 'SUM'");
  }

  @Test
  void malformedPairs() {
    fails("CALL n2v.edgeFeatures.stream({pairs: [[1]]})",
        "Configuration key 'pairs' must be a list of [sourceNodeId, targetNodeId] lists; "
            + "element 0 is [1]");
  }

  @Test
  void pairsGivenToTheWritingProcedure() {
    fails("CALL n2v.edgeFeatures.write({pairs: [[0, 1]], writeProperty: 'f'})",
        "n2v.edgeFeatures.write writes relationship properties: select relationships with "
            + "nodeLabels/relationshipTypes, not pairs");
  }

  @Test
  void jobsTakesNoKeys() {
    fails("CALL n2v.jobs({nodeLabels: 'P'})",
        "Unknown configuration key 'nodeLabels': this procedure takes none");
  }

  @Test
  void callsThatFailLeaveNoJobBehind() {
    List<String> before = h.run("CALL n2v.jobs() YIELD jobId RETURN jobId").stream()
        .map(r -> r.get("jobId").asString()).toList();
    fails("CALL n2v.stream({minLearningRate: 0.5})", "Configuration key 'minLearningRate'");
    fails("CALL n2v.stream({relationshipWeightProperty: 'w', relationshipTypes: 'NEG'})",
        "weights must be finite");
    List<String> after = h.run("CALL n2v.jobs() YIELD jobId RETURN jobId").stream()
        .map(r -> r.get("jobId").asString()).toList();
    assertEquals(before, after);
    assertEquals(Map.of(), snapshotsLeft());
  }

  /** Snapshots still held by the sidecar, by id (the plugin deletes its own). */
  private static Map<String, Long> snapshotsLeft() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (var s : h.grpc.listSnapshots(
        org.n2v.grpc.v1.ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList()) {
      out.put(s.getSnapshotId(), s.getNodes());
    }
    return out;
  }
}
