// n2v.listProgress([jobId]): GDS's listProgress over the caller's sidecar
// jobs (an admin's: every user's). Without jobId one row per job; with it
// the job and its phases (counting the walks, training). jobId is the
// tracking id a procedure was given as its jobId key (or generated), and a
// sidecar job id works too.
package org.n2v.neo4j;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.JobPhase;
import org.n2v.grpc.v1.JobProgress;
import org.n2v.grpc.v1.JobState;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

public class ListProgressProc {
  static final String TASK = "Node2Vec";
  private static final int BAR_WIDTH = 10;

  @Context public GraphDatabaseService db;
  @Context public Transaction tx;

  public static class ProgressRow {
    public String username;
    public String jobId;
    public String taskName;
    public String progress;
    public String progressBar;
    public String status;
    public LocalTime timeStarted;
    public String elapsedTime;
  }

  @Procedure(name = "n2v.listProgress", mode = Mode.READ)
  @Description("The progress of the caller's n2v jobs (GDS's listProgress); with a jobId, "
      + "that job and its phases.")
  public Stream<ProgressRow> listProgress(@Name(value = "jobId", defaultValue = "") String jobId) {
    try (SidecarClient client = SidecarClient.open(db, CallerIdentity.of(tx, db))) {
      List<ProgressRow> rows = new ArrayList<>();
      for (Job job : JobsProc.list(client, jobId)) {
        JobProgress p = job.getProgress();
        rows.add(row(job, TASK, p.getOverallFraction(), status(p.getState())));
        if (jobId.isEmpty()) continue;
        rows.add(row(job, "|-- counting walks", phaseFraction(p, JobPhase.JOB_PHASE_COUNTING),
            phaseStatus(p, JobPhase.JOB_PHASE_COUNTING)));
        rows.add(row(job, "|-- training", phaseFraction(p, JobPhase.JOB_PHASE_TRAINING),
            phaseStatus(p, JobPhase.JOB_PHASE_TRAINING)));
      }
      return rows.stream();
    }
  }

  private static ProgressRow row(Job job, String task, double fraction, String status) {
    ProgressRow row = new ProgressRow();
    row.username = MetadataText.decode(job.getOwner().getUser());
    row.jobId = job.getTrackingId().isEmpty() ? job.getJobId() : job.getTrackingId();
    row.taskName = task;
    long percent = Math.round(100 * fraction);
    row.progress = percent + "%";
    int filled = (int) Math.round(BAR_WIDTH * fraction);
    row.progressBar = "[" + "#".repeat(filled) + "~".repeat(BAR_WIDTH - filled) + "]";
    row.status = status;
    row.timeStarted = Instant.ofEpochMilli(job.getCreatedUnixMs())
        .atZone(ZoneId.systemDefault()).toLocalTime();
    row.elapsedTime = Duration.ofMillis(Math.round(1000 * job.getProgress().getElapsedSeconds()))
        .toString();
    return row;
  }

  /** GDS's statuses: PENDING, RUNNING, FINISHED, FAILED, CANCELLED. */
  private static String status(JobState state) {
    return switch (state) {
      case JOB_STATE_RUNNING -> "RUNNING";
      case JOB_STATE_SUCCEEDED -> "FINISHED";
      case JOB_STATE_FAILED -> "FAILED";
      case JOB_STATE_CANCELLED -> "CANCELLED";
      default -> "PENDING";
    };
  }

  private static double phaseFraction(JobProgress p, JobPhase phase) {
    if (p.getPhase() == phase) return p.getPhaseFraction();
    return p.getPhase().getNumber() > phase.getNumber() ? 1.0 : 0.0;
  }

  private static String phaseStatus(JobProgress p, JobPhase phase) {
    if (p.getPhase().getNumber() > phase.getNumber()) return "FINISHED";
    if (p.getPhase() == phase) return status(p.getState());
    return p.getState() == JobState.JOB_STATE_RUNNING || p.getState() == JobState.JOB_STATE_QUEUED
        ? "PENDING" : status(p.getState());
  }
}
