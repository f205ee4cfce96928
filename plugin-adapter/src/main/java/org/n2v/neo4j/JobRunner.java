// Runs a node2vec job on the sidecar and follows it, checking the Cypher
// transaction's termination guard every 100 ms: terminating the transaction
// cancels the sidecar job. With GDS's logProgress (default true) it logs
// the job's start, its progress every 5 s and its end in the Neo4j log.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import org.n2v.grpc.v1.CancelJobRequest;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.JobState;
import org.n2v.grpc.v1.StartJobRequest;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class JobRunner {
  private static final long POLL_MILLIS = 100;
  private static final long LOG_EVERY_MILLIS = 5_000;

  /**
   * What a job is called: its label (the procedure), the caller's tracking
   * id (GDS's jobId), and whether its progress goes to the log.
   */
  record JobTag(String label, String trackingId, boolean logProgress) {
    static JobTag of(String procedure, AlgoConfig config) {
      return new JobTag(procedure, config.trackingId(), config.map().logProgress());
    }
  }

  private JobRunner() {}

  /** Starts `request` (its label and tracking id set from `tag`) and waits until it succeeded. */
  static Job run(SidecarClient client, StartJobRequest.Builder request, JobTag tag,
      TerminationGuard guard, Log log) {
    Job job;
    try {
      job = client.blocking.startJob(
          request.setLabel(tag.label()).setTrackingId(tag.trackingId()).build());
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "starting the embedding job");
    }
    String jobId = job.getJobId();
    Log progress = tag.logProgress() ? log : null;
    if (progress != null) {
      progress.info("%s [jobId %s]: n2v job %s started", tag.label(), tag.trackingId(), jobId);
    }
    long lastLog = System.currentTimeMillis();
    try {
      while (true) {
        guard.check();
        job = client.blocking.getJob(GetJobRequest.newBuilder().setJobId(jobId).build());
        JobState state = job.getProgress().getState();
        if (state == JobState.JOB_STATE_SUCCEEDED) {
          if (progress != null) {
            progress.info("%s [jobId %s]: n2v job %s 100%% finished", tag.label(),
                tag.trackingId(), jobId);
          }
          return job;
        }
        if (state == JobState.JOB_STATE_FAILED) {
          throw new RuntimeException("n2v job " + jobId + " failed: "
              + Node2VecKeys.inUserTerms(job.getProgress().getError()));
        }
        if (state == JobState.JOB_STATE_CANCELLED) {
          throw new RuntimeException("n2v job " + jobId + " was cancelled on the sidecar");
        }
        if (progress != null && System.currentTimeMillis() - lastLog > LOG_EVERY_MILLIS) {
          lastLog = System.currentTimeMillis();
          progress.info("%s [jobId %s]: n2v job %s %s %.1f%% (loss %.4f)", tag.label(),
              tag.trackingId(), jobId, job.getProgress().getPhase(),
              100 * job.getProgress().getOverallFraction(), job.getProgress().getLoss());
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
