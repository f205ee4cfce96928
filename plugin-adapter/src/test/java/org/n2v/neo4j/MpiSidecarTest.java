// The plugin against a sidecar of three MPI ranks under `mpirun
// --enable-recovery`: a named graph streams and writes through jobs that
// run on every rank, as with one process, and so do warm writes, which start
// from the stored vectors and stay near them. Then a rank dies while n2v.write
// runs on all three: the Cypher call fails naming the rank, nothing is
// written, and the sidecar goes on serving, so the next n2v.write runs on
// rank 0 alone and writes every node.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.JobState;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;

@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MpiSidecarTest {
  /** Minutes of work at least: the job is still running when its rank dies. */
  private static final String LONG = "nodeLabels: 'Big', walksPerNode: 100, walkLength: 200, "
      + "iterations: 1000, concurrency: 1";
  /** Only against a hang, never a measure of speed. */
  private static final long HANG_GUARD_SECONDS = 120;
  /** Marks this test's ranks among the machine's processes. */
  private static final String TAG = UUID.randomUUID().toString();
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    List<String> mpirun = List.of("mpirun", "-np", "3", "--oversubscribe",
        "--enable-recovery", "-x", "N2V_TEST_TAG");
    Map<String, String> environment = Map.of("N2V_TEST_TAG", TAG,
        "OMPI_ALLOW_RUN_AS_ROOT", "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    SidecarProcess sidecar = SidecarProcess.start(mpirun, environment,
        SidecarProcess.binary(), "--memory-budget", "2GiB", "--rank-timeout", "4s");
    h = PluginHarness.around(sidecar, Map.of(), null);
    h.createBigGraph();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  @Test
  @Order(1)
  void aNamedGraphStreamsAndWritesThroughJobsOnEveryRank() throws Exception {
    h.run("CALL n2v.graph.project('big', 'Big', {LINK: {orientation: 'UNDIRECTED'}})");
    List<Record> rows = h.run("CALL n2v.stream('big', {walksPerNode: 2, walkLength: 10, "
        + "embeddingDimension: 8, randomSeed: 5}) YIELD nodeId, embedding "
        + "RETURN nodeId, embedding");
    assertEquals(3000, rows.size());
    for (Record r : rows) assertEquals(8, r.get("embedding").asList().size());
    Record written = h.single("CALL n2v.write('big', {walksPerNode: 2, walkLength: 10, "
        + "embeddingDimension: 8, writeProperty: 'everyRank'}) "
        + "YIELD nodePropertiesWritten RETURN nodePropertiesWritten");
    assertEquals(3000, written.get("nodePropertiesWritten").asLong());
    assertEquals(3000, h.single("MATCH (n:Big) WHERE size(n.everyRank) = 8 "
        + "RETURN count(n) AS n").get("n").asLong());
    // The write's job ran on all three ranks (the stream's is gone once streamed).
    Record writeJob = h.single("CALL n2v.jobs() YIELD jobId, label, state "
        + "WHERE label = 'n2v.write' AND state = 'SUCCEEDED' RETURN jobId");
    assertEquals(3, job(writeJob.get("jobId").asString()).getRanks());
    h.run("CALL n2v.graph.drop('big')");
  }

  @Test
  @Order(2)
  void warmWritesRunOnEveryRankFromTheStoredVectors() throws Exception {
    String warm = "CALL n2v.write({nodeLabels: 'Big', writeProperty: 'warm', warmStart: true, "
        + "walksPerNode: 2, walkLength: 10, embeddingDimension: 8, randomSeed: %d}) "
        + "YIELD warmStartedNodes, nodesAdded, driftMean, nodePropertiesWritten RETURN *";
    Record first = h.single(String.format(warm, 1));
    assertEquals(0, first.get("warmStartedNodes").asLong());  // nothing stored yet
    assertEquals(3000, first.get("nodePropertiesWritten").asLong());
    assertEquals(3, lastWriteJob().getRanks());

    h.run("MATCH (a:Big {i: 0}) CREATE (a)-[:LINK]->(:Big {i: 3000})");
    try {
      Record second = h.single(String.format(warm, 2));
      assertEquals(3000, second.get("warmStartedNodes").asLong());
      assertEquals(1, second.get("nodesAdded").asLong());
      double drift = second.get("driftMean").asDouble();
      assertTrue(drift > 0 && drift < 0.5, "drift " + drift);
      Job job = lastWriteJob();
      assertEquals(3, job.getRanks());
      assertEquals(1, job.getNeighbourStartedNodes());
      assertEquals(3001, h.single("MATCH (n:Big) WHERE size(n.warm) = 8 RETURN count(n) AS n")
          .get("n").asLong());
    } finally {
      h.run("MATCH (n:Big {i: 3000}) DETACH DELETE n");
    }
  }

  @Test
  @Order(3)
  void aDeadRankFailsTheCallByNameWritesNothingAndTheNextCallRuns() throws Exception {
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
      try (Session session = h.driver.session()) {
        session.run("CALL n2v.write({" + LONG + ", writeProperty: 'lost'})").consume();
      }
    });
    Job running = awaitRunningOnEveryRank();
    assertEquals(3, running.getRanks());
    long rank2 = rankPid(2);
    assertTrue(ProcessHandle.of(rank2).orElseThrow().destroyForcibly());

    Throwable failure = failureOf(call);
    assertTrue(failure.getMessage().contains("rank 2 of 3 stopped answering"),
        failure.getMessage());
    assertEquals(JobState.JOB_STATE_FAILED, job(running.getJobId()).getProgress().getState());
    assertEquals(0, h.single("MATCH (n) WHERE n.lost IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong(), "nothing is written");

    Record after = h.single("CALL n2v.write({nodeLabels: 'Big', writeProperty: 'after', "
        + "walksPerNode: 2, walkLength: 10, embeddingDimension: 8}) "
        + "YIELD nodePropertiesWritten RETURN nodePropertiesWritten");
    assertEquals(3000, after.get("nodePropertiesWritten").asLong());
    assertEquals(3000, h.single("MATCH (n:Big) WHERE size(n.after) = 8 RETURN count(n) AS n")
        .get("n").asLong());
    assertTrue(h.sidecar.logText().contains("\"rank_lost\""), h.sidecar.logText());
  }

  /** The latest n2v.write job that succeeded. */
  private static Job lastWriteJob() {
    Job latest = null;
    for (Record r : h.run("CALL n2v.jobs() YIELD jobId, label, state "
        + "WHERE label = 'n2v.write' AND state = 'SUCCEEDED' RETURN jobId")) {
      Job job = job(r.get("jobId").asString());
      if (latest == null || job.getFinishedUnixMs() > latest.getFinishedUnixMs()) latest = job;
    }
    assertNotNull(latest, "no n2v.write job succeeded");
    return latest;
  }

  private static Job job(String id) {
    return h.grpc.getJob(GetJobRequest.newBuilder().setJobId(id).build());
  }

  /** The n2v.write job once it runs and has made progress. */
  private static Job awaitRunningOnEveryRank() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
    while (System.nanoTime() < deadline) {
      for (Record r : h.run("CALL n2v.jobs() YIELD jobId, label, state "
          + "WHERE label = 'n2v.write' AND state = 'RUNNING' RETURN jobId")) {
        Job job = job(r.get("jobId").asString());
        if (job.getProgress().getOverallFraction() > 0) return job;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no n2v.write job made progress");
  }

  /** The pid of this test's MPI rank `rank`, from the processes' environments. */
  private static long rankPid(int rank) throws IOException {
    String tag = "N2V_TEST_TAG=" + TAG;
    String rankVariable = "OMPI_COMM_WORLD_RANK=" + rank;
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) processes::iterator) {
        if (!p.getFileName().toString().matches("[0-9]+")) continue;
        String environ;
        try {
          environ = new String(Files.readAllBytes(p.resolve("environ")),
              StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue;  // gone, or not ours to read
        }
        List<String> variables = List.of(environ.split("\0"));
        if (variables.contains(tag) && variables.contains(rankVariable)) {
          return Long.parseLong(p.getFileName().toString());
        }
      }
    }
    throw new AssertionError("rank " + rank + " of this test's sidecar not found");
  }

  private static Throwable failureOf(CompletableFuture<Void> call) throws Exception {
    try {
      call.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertNotNull(e.getCause());
      return e.getCause();
    }
    throw new AssertionError("n2v.write succeeded although a rank died");
  }
}
