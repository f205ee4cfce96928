// Runs a node2vec job on the sidecar and follows it, checking the Cypher
// transaction's termination guard every 100 ms: terminating the transaction
// cancels the sidecar job.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import org.n2v.grpc.v1.CancelJobRequest;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.JobState;
import org.n2v.grpc.v1.Node2VecParams;
import org.n2v.grpc.v1.StartJobRequest;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class JobRunner {
  private static final long POLL_MILLIS = 100;
  private static final long LOG_EVERY_MILLIS = 5_000;

  private JobRunner() {}

  static Job run(SidecarClient client, String snapshotId, Node2VecParams params, String label,
      TerminationGuard guard, Log log) {
    Job job;
    try {
      job = client.blocking.startJob(StartJobRequest.newBuilder().setSnapshotId(snapshotId)
          .setParams(params).setLabel(label).build());
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "starting the embedding job");
    }
    String jobId = job.getJobId();
    long lastLog = System.currentTimeMillis();
    try {
      while (true) {
        guard.check();
        job = client.blocking.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
        JobState state = job.getProgress().getState();
        if (state == JobState.JOB_STATE_SUCCEEDED) return job;
        if (state == JobState.JOB_STATE_FAILED) {
          throw new RuntimeException("n2v job " + jobId + " failed: "
              + job.getProgress().getError());
        }
        if (state == JobState.JOB_STATE_CANCELLED) {
          throw new RuntimeException("n2v job " + jobId + " was cancelled on the sidecar");
        }
        if (log != null && System.currentTimeMillis() - lastLog > LOG_EVERY_MILLIS) {
          lastLog = System.currentTimeMillis();
          log.info("n2v job %s: %s %.1f%% (loss %.4f)", jobId,
              job.getProgress().getPhase(), 100 * job.getProgress().getOverallFraction(),
              job.getProgress().getLoss());
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "following job " + jobId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel(client, jobId, log);
      throw ProcedureErrors.failure("Interrupted while waiting for n2v job " + jobId, e);
    } catch (RuntimeException e) {
      // Transaction terminated (or any other failure here): stop the job.
      cancel(client, jobId, log);
      throw e;
    }
  }

  static void cancel(SidecarClient client, String jobId, Log log) {
    try {
      client.blocking.cancelJob(CancelJobRequest.newBuilder().setJobId(jobId).build());
      if (log != null) log.info("n2v job %s cancelled", jobId);
    } catch (StatusRuntimeException e) {
      if (log != null) log.warn("n2v job %s could not be cancelled: %s", jobId, e.getMessage());
    }
  }
}
