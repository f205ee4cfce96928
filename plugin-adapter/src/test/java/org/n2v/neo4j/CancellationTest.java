// Terminating the Cypher transaction of a running n2v.write, or its timeout,
// cancels the job on the sidecar: the job goes from RUNNING to CANCELLED (it
// never finishes otherwise), the sidecar logs the plugin's cancel request
// before the job's end, the call fails, and nothing is written. The order of
// these events is checked, not how long they took.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.JobState;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.exceptions.Neo4jException;

@Timeout(600)
class CancellationTest {
  /**
   * Hours of work on one thread on any machine (3000 nodes x 100 walks x 200 steps, 1000
   * iterations): the job is always still running when the transaction ends.
   */
  private static final String LONG = "nodeLabels: 'Big', walksPerNode: 100, walkLength: 200, "
      + "iterations: 1000, concurrency: 1";
  /** How long a wait may last: only against a hang, never a measure of speed. */
  private static final long HANG_GUARD_SECONDS = 120;
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.createBigGraph();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  @Test
  void terminatingTheTransactionCancelsTheJob() throws Exception {
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
      try (Session session = h.driver.session()) {
        session.run("CALL n2v.write({" + LONG + ", writeProperty: 'terminated'})").consume();
      }
    });
    String jobId = awaitRunningJob();
    String tx = h.single("SHOW TRANSACTIONS YIELD transactionId, currentQuery "
        + "WHERE currentQuery STARTS WITH 'CALL n2v.write' RETURN transactionId")
        .get("transactionId").asString();
    Record terminated = h.single("TERMINATE TRANSACTION $tx YIELD message RETURN message",
        Map.of("tx", tx));
    assertEquals("Transaction terminated.", terminated.get("message").asString());

    awaitCancelled(jobId);
    Throwable failure = failureOf(call);
    assertInstanceOf(Neo4jException.class, failure);
    assertTrue(failure.getMessage().contains("terminated"), failure.getMessage());
    assertEquals(0, h.single("MATCH (n) WHERE n.terminated IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong(), "nothing is written");
    assertCancelLoggedBeforeTheJobEnded(jobId);
  }

  @Test
  void aTransactionTimeoutCancelsTheJob() throws Exception {
    Set<String> earlier = writeJobIds();
    // Ample time to read 3000 nodes, upload them and start the job first.
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
      try (Session session = h.driver.session()) {
        session.run("CALL n2v.write({" + LONG + ", writeProperty: 'timedOut'})", Map.of(),
            TransactionConfig.builder().withTimeout(Duration.ofSeconds(10)).build()).consume();
      }
    });
    String jobId = awaitNewWriteJob(earlier, call);
    Throwable failure = failureOf(call);
    assertTrue(failure.getMessage().contains("timeout")
        || failure.getMessage().contains("terminated"), failure.getMessage());
    awaitCancelled(jobId);
    assertEquals(0, h.single("MATCH (n) WHERE n.timedOut IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong());
    assertCancelLoggedBeforeTheJobEnded(jobId);
  }

  private static long hangGuardDeadline() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
  }

  /** The id of the n2v.write job once the sidecar runs it. */
  private static String awaitRunningJob() throws InterruptedException {
    long deadline = hangGuardDeadline();
    while (System.nanoTime() < deadline) {
      for (Record r : h.run("CALL n2v.jobs() YIELD jobId, label, state "
          + "WHERE label = 'n2v.write' AND state = 'RUNNING' RETURN jobId")) {
        return r.get("jobId").asString();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no n2v.write job started running");
  }

  private static Set<String> writeJobIds() {
    Set<String> ids = new HashSet<>();
    for (Record r : h.run("CALL n2v.jobs() YIELD jobId, label WHERE label = 'n2v.write' "
        + "RETURN jobId")) {
      ids.add(r.get("jobId").asString());
    }
    return ids;
  }

  /** The id of the n2v.write job that `call` started (in any state). */
  private static String awaitNewWriteJob(Set<String> earlier, CompletableFuture<Void> call)
      throws InterruptedException {
    long deadline = hangGuardDeadline();
    while (System.nanoTime() < deadline) {
      boolean callEnded = call.isDone();
      Set<String> started = writeJobIds();
      started.removeAll(earlier);
      if (!started.isEmpty()) return started.iterator().next();
      if (callEnded) {
        throw new AssertionError("the transaction ended before its job was started");
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no n2v.write job was started");
  }

  /** Waits until the sidecar reports the job CANCELLED; until then it is queued or running. */
  private static void awaitCancelled(String jobId) throws InterruptedException {
    long deadline = hangGuardDeadline();
    JobState state = null;
    while (System.nanoTime() < deadline) {
      state = h.grpc.getJob(GetJobRequest.newBuilder().setJobId(jobId).build())
          .getProgress().getState();
      if (state == JobState.JOB_STATE_CANCELLED) return;
      assertTrue(state == JobState.JOB_STATE_QUEUED || state == JobState.JOB_STATE_RUNNING,
          "the long job cannot have ended otherwise: " + state);
      Thread.sleep(20);
    }
    throw new AssertionError("job " + jobId + " is still " + state);
  }

  /**
   * The sidecar's log has the plugin's cancel request for `jobId`, then the job's end as
   * CANCELLED (waiting for that line, which follows the state change).
   */
  private static void assertCancelLoggedBeforeTheJobEnded(String jobId) throws Exception {
    String requested = "\"event\":\"job_cancel_requested\",\"job_id\":\"" + jobId + "\"";
    String finished = "\"event\":\"job_finished\",\"job_id\":\"" + jobId + "\"";
    long deadline = hangGuardDeadline();
    List<String> lines = logLines();
    while (indexOf(lines, finished) < 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      lines = logLines();
    }
    int requestedAt = indexOf(lines, requested);
    int finishedAt = indexOf(lines, finished);
    assertTrue(requestedAt >= 0, "the plugin asked the sidecar to cancel");
    assertTrue(finishedAt > requestedAt, "the job ended after the cancel request:\n"
        + String.join("\n", lines));
    assertTrue(lines.get(finishedAt).contains("\"outcome\":\"CANCELLED\""),
        lines.get(finishedAt));
  }

  private static List<String> logLines() throws IOException {
    return Files.readAllLines(h.sidecar.logFile());
  }

  private static int indexOf(List<String> lines, String part) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(part)) return i;
    }
    return -1;
  }

  private static Throwable failureOf(CompletableFuture<Void> call) throws Exception {
    try {
      call.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the cancelled call succeeded");
  }
}
