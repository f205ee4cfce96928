// n2v.write's write-back, one case per test with its exact message: nodes
// deleted while the job ran (some, or all), nodes created by the calling
// transaction, and an existing index whose definition clashes with the call
// in its label, property, similarity function or type. Each test selects
// nodes of its own label.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.Transaction;
import org.neo4j.driver.exceptions.ClientException;

@Timeout(180)
class WritesTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  /** Three nodes of `label`, named a, b, c, in a path a-b-c. */
  private static void path(String label) {
    h.run("CREATE (a:" + label + " {name: 'a'})-[:NEXT]->(b:" + label + " {name: 'b'})"
        + "-[:NEXT]->(c:" + label + " {name: 'c'})");
  }

  private static String write(String label, String extra) {
    return "CALL n2v.write({nodeLabels: '" + label + "', writeProperty: 'v', " + SMALL + extra
        + "}) YIELD nodeCount, nodePropertiesWritten, jobId RETURN *";
  }

  private static ClientException fails(String cypher, String message) {
    ClientException e = assertThrows(ClientException.class, () -> h.run(cypher));
    assertTrue(e.getMessage().endsWith(message), "expected «" + message + "» in: "
        + e.getMessage());
    return e;
  }

  private static long withProperty(String label, String property) {
    return h.single("MATCH (n:" + label + ") WHERE n." + property + " IS NOT NULL "
        + "RETURN count(n) AS n").get("n").asLong();
  }

  private static String debugLog() throws IOException {
    Path logs = h.neo4j.config().get(GraphDatabaseSettings.logs_directory);
    return Files.readString(logs.resolve("debug.log"));
  }

  /**
   * Runs `call` while `deleting` holds its deletions uncommitted, so that the call reads
   * the nodes; commits them once the call has uploaded the graph and started its job, and
   * returns the call's outcome. The write-back then finds the nodes gone, or waits for their
   * locks and then finds them gone: the order of events, not timing, decides. The deleted
   * nodes have no relationships: deleting relationships takes locks at commit, which can
   * deadlock with the write-back (Neo4j then fails one of the two).
   */
  private static CompletableFuture<List<Record>> deletingWhileWriting(String deleting,
      String call) throws InterruptedException {
    int jobsBefore = h.run("CALL n2v.jobs()").size();
    try (Session session = h.driver.session(); Transaction deleter = session.beginTransaction()) {
      deleter.run(deleting).consume();
      CompletableFuture<List<Record>> result = CompletableFuture.supplyAsync(() -> h.run(call));
      while (!result.isDone() && h.run("CALL n2v.jobs()").size() == jobsBefore) {
        Thread.sleep(20);
      }
      deleter.commit();
      return result;
    }
  }

  // ------------------------------------------------------------ nodes gone since read

  @Test
  void everySelectedNodeDeletedWhileTheJobRanFailsAndWritesNothing() throws Exception {
    h.run("CREATE (:Doomed), (:Doomed), (:Doomed)");
    CompletableFuture<List<Record>> call =
        deletingWhileWriting("MATCH (d:Doomed) DELETE d", write("Doomed", ""));
    CompletionException e = assertThrows(CompletionException.class, call::join);
    ClientException cause = assertInstanceOf(ClientException.class, e.getCause());
    assertTrue(cause.getMessage().endsWith("n2v.write wrote 'v' on 0 of 3 nodes: all 3 were "
        + "deleted since n2v.write read them. Nothing was written; run n2v.write again on the "
        + "current graph."), cause.getMessage());
  }

  @Test
  void nodesDeletedWhileTheJobRanAreSkippedAndCounted() throws Exception {
    path("Thinned");
    h.run("CREATE (:Thinned {name: 'alone'})");
    Record r = deletingWhileWriting("MATCH (d:Thinned {name: 'alone'}) DELETE d",
        write("Thinned", "")).join().get(0);
    assertEquals(4, r.get("nodeCount").asLong());
    assertEquals(3, r.get("nodePropertiesWritten").asLong());
    assertEquals(3, withProperty("Thinned", "v"));
    assertTrue(debugLog().contains("n2v.write: wrote 'v' on 3 of 4 nodes (1 was deleted since "
        + "n2v.write read it) (job " + r.get("jobId").asString() + ")"), "log line");
  }

  @Test
  void aCompleteWriteLogsWhatItWroteAndTheIndex() throws Exception {
    path("Whole");
    Record r = h.single(write("Whole", ", vectorIndex: true"));
    assertEquals(3, r.get("nodePropertiesWritten").asLong());
    assertTrue(debugLog().contains("n2v.write: wrote 'v' on 3 of 3 nodes, created vector index "
        + "'Whole_v_n2v' (job " + r.get("jobId").asString() + ")"), "log line");
  }

  // ------------------------------------------------------------ uncommitted nodes

  @Test
  void nodesCreatedInTheCallingTransactionAreRefusedBeforeAnythingRuns() {
    path("Fresh");
    int jobsBefore = h.run("CALL n2v.jobs()").size();
    try (Session session = h.driver.session(); Transaction tx = session.beginTransaction()) {
      List<Long> ids = tx.run("CREATE (x:Fresh), (y:Fresh) RETURN id(x) AS x, id(y) AS y")
          .single().values().stream().map(v -> v.asLong()).sorted().toList();
      ClientException e = assertThrows(ClientException.class,
          () -> tx.run(write("Fresh", "")).consume());
      assertTrue(e.getMessage().endsWith("n2v.write cannot write to nodes created in this "
          + "transaction (2 selected nodes, ids " + ids.get(0) + ", " + ids.get(1) + "): it "
          + "writes the vectors in transactions of its own, which cannot see uncommitted "
          + "nodes. Commit them first, then call n2v.write."), e.getMessage());
    }
    assertEquals(jobsBefore, h.run("CALL n2v.jobs()").size(), "no job was started");
    assertEquals(0, withProperty("Fresh", "v"));
  }

  @Test
  void nodesCreatedInTheCallingTransactionOutsideTheSelectionDoNotMatter() {
    path("Settled");
    try (Session session = h.driver.session(); Transaction tx = session.beginTransaction()) {
      tx.run("CREATE (:Unrelated)").consume();
      assertEquals(3, tx.run(write("Settled", "")).single().get("nodePropertiesWritten")
          .asLong());
      tx.commit();
    }
    assertEquals(3, withProperty("Settled", "v"));
  }

  // ------------------------------------------------------------ index definitions

  private static void clashRefusedBeforeAnythingRuns(String label, String extra, String message) {
    int jobsBefore = h.run("CALL n2v.jobs()").size();
    fails(write(label, ", vectorIndex: true" + extra), message);
    assertEquals(jobsBefore, h.run("CALL n2v.jobs()").size(), "no job was started");
    assertEquals(0, withProperty(label, "v"));
  }

  @Test
  void indexOfTheRequestedNameOnAnotherLabelAndProperty() {
    path("Named");
    h.run("CREATE VECTOR INDEX elsewhere FOR (n:Other) ON (n.w) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}");
    clashRefusedBeforeAnythingRuns("Named", ", vectorIndexName: 'elsewhere'",
        "vectorIndex needs a VECTOR index 'elsewhere' on :Named(v) with 4 dimensions and "
            + "COSINE similarity, but 'elsewhere' exists with another definition: label "
            + ":Other, not :Named; property w, not v. Drop it, or choose another "
            + "vectorIndexName.");
  }

  @Test
  void indexOfTheRequestedNameOnAnotherProperty() {
    path("Propped");
    h.run("CREATE VECTOR INDEX Propped_v_n2v FOR (n:Propped) ON (n.u) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}");
    clashRefusedBeforeAnythingRuns("Propped", "",
        "vectorIndex needs a VECTOR index 'Propped_v_n2v' on :Propped(v) with 4 dimensions and "
            + "COSINE similarity, but 'Propped_v_n2v' exists with another definition: property "
            + "u, not v. Drop it, or choose another vectorIndexName.");
  }

  @Test
  void indexOfTheRequestedNameWithAnotherSimilarityFunction() {
    path("Similar");
    h.run("CREATE VECTOR INDEX Similar_v_n2v FOR (n:Similar) ON (n.v) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 4, `vector.similarity_function`: 'euclidean'}}");
    clashRefusedBeforeAnythingRuns("Similar", "",
        "vectorIndex needs a VECTOR index 'Similar_v_n2v' on :Similar(v) with 4 dimensions and "
            + "COSINE similarity, but 'Similar_v_n2v' exists with another definition: "
            + "similarity EUCLIDEAN, not COSINE (vectorSimilarity). Drop it, or choose another "
            + "vectorIndexName.");
  }

  @Test
  void indexOfTheRequestedNameThatIsNoVectorIndex() {
    path("Ranged");
    h.run("CREATE INDEX ranged FOR (n:Ranged) ON (n.v)");
    clashRefusedBeforeAnythingRuns("Ranged", ", vectorIndexName: 'ranged'",
        "vectorIndex needs a VECTOR index 'ranged' on :Ranged(v) with 4 dimensions and COSINE "
            + "similarity, but 'ranged' exists with another definition: it is a RANGE index, "
            + "not a VECTOR index. Drop it, or choose another vectorIndexName.");
  }

  @Test
  void vectorIndexUnderAnotherNameWithAnotherSimilarityFunction() {
    path("Renamed");
    h.run("CREATE VECTOR INDEX mine FOR (n:Renamed) ON (n.v) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 4, `vector.similarity_function`: 'euclidean'}}");
    clashRefusedBeforeAnythingRuns("Renamed", "",
        "vectorIndex needs a VECTOR index 'Renamed_v_n2v' on :Renamed(v) with 4 dimensions and "
            + "COSINE similarity, but 'mine' exists with another definition: similarity "
            + "EUCLIDEAN, not COSINE (vectorSimilarity). Drop it, or choose another "
            + "vectorIndexName.");
  }

  @Test
  void vectorIndexUnderAnotherNameThanTheOneGiven() {
    path("Twice");
    h.run("CREATE VECTOR INDEX first FOR (n:Twice) ON (n.v) OPTIONS {indexConfig: "
        + "{`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}");
    clashRefusedBeforeAnythingRuns("Twice", ", vectorIndexName: 'second'",
        "Vector index 'first' already indexes :Twice(v), so Neo4j cannot create 'second' "
            + "there. Set vectorIndexName: 'first' to use it, or drop it.");
    assertThrows(ClientException.class, () -> h.run("CREATE VECTOR INDEX second FOR "
        + "(n:Twice) ON (n.v) OPTIONS {indexConfig: {`vector.dimensions`: 4}}"), "as it says");
  }
}
