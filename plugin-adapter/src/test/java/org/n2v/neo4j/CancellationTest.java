// Terminating the Cypher transaction of a running n2v.write cancels the job
// on the sidecar within moments, and nothing is written.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
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

@Timeout(120)
class CancellationTest {
  /** Minutes of work on one thread: 3000 nodes x 100 walks x 200 steps, twice. */
  private static final String LONG = "nodeLabels: 'Big', walksPerNode: 100, walkLength: 200, "
      + "concurrency: 1";
  private static PluginHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("UNWIND range(0, 2999) AS i CREATE (:Big {i: i})");
    h.run("MATCH (n:Big) WITH collect(n) AS nodes "
        + "UNWIND range(0, 14999) AS k "
        + "WITH nodes[k % 3000] AS a, nodes[(k * 7919 + 13) % 3000] AS b "
        + "CREATE (a)-[:LINK]->(b)");
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
    long terminatedAt = System.nanoTime();
    Record terminated = h.single("TERMINATE TRANSACTION $tx YIELD message RETURN message",
        Map.of("tx", tx));
    assertEquals("Transaction terminated.", terminated.get("message").asString());

    awaitCancelled(jobId, terminatedAt);
    Throwable failure = failureOf(call);
    assertInstanceOf(Neo4jException.class, failure);
    assertTrue(failure.getMessage().contains("terminated"), failure.getMessage());
    assertEquals(0, h.single("MATCH (n) WHERE n.terminated IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong(), "nothing is written");
    assertTrue(h.sidecar.logText().contains("\"event\":\"job_cancel_requested\",\"job_id\":\""
        + jobId + "\""), "the plugin asked the sidecar to cancel");
  }

  @Test
  void aTransactionTimeoutCancelsTheJob() throws Exception {
    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> {
      try (Session session = h.driver.session()) {
        session.run("CALL n2v.write({" + LONG + ", writeProperty: 'timedOut'})", Map.of(),
            TransactionConfig.builder().withTimeout(Duration.ofSeconds(4)).build()).consume();
      }
    });
    String jobId = awaitRunningJob();
    Throwable failure = failureOf(call);
    long failedAt = System.nanoTime();
    assertTrue(failure.getMessage().contains("timeout")
        || failure.getMessage().contains("terminated"), failure.getMessage());
    awaitCancelled(jobId, failedAt);
    assertEquals(0, h.single("MATCH (n) WHERE n.timedOut IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong());
  }

  /** The id of the n2v.write job once the sidecar runs it. */
  private static String awaitRunningJob() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (Record r : h.run("CALL n2v.jobs() YIELD jobId, label, state "
          + "WHERE label = 'n2v.write' AND state = 'RUNNING' RETURN jobId")) {
        return r.get("jobId").asString();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no n2v.write job started running");
  }

  /** Waits until the sidecar reports the job CANCELLED: within 5 s of `since`. */
  private static void awaitCancelled(String jobId, long since) throws InterruptedException {
    JobState state = null;
    while (System.nanoTime() - since < TimeUnit.SECONDS.toNanos(5)) {
      state = h.grpc.getJob(GetJobRequest.newBuilder().setJobId(jobId).build())
          .getProgress().getState();
      if (state == JobState.JOB_STATE_CANCELLED) return;
      assertEquals(JobState.JOB_STATE_RUNNING, state, "the long job cannot have finished");
      Thread.sleep(20);
    }
    throw new AssertionError("job " + jobId + " is " + state + " 5 s after the termination");
  }

  private static Throwable failureOf(CompletableFuture<Void> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the terminated call succeeded");
  }
}
