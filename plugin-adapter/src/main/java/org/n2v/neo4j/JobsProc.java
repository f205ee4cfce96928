// n2v.jobs(): the caller's running and recent jobs on the sidecar, with
// progress (an admin's: every user's, each with its owner).
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.ListJobsRequest;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

public class JobsProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;

  public static class JobRow {
    public String jobId;
    public String trackingId;
    public String snapshotId;
    public String graphName;
    public String label;
    public String username;
    public String database;
    public String state;
    public String phase;
    public double progress;
    public double elapsedSeconds;
    public double etaSeconds;
    public double loss;
    public List<Double> lossPerIteration;
    public long nodeCount;
    public long embeddingDimension;
    public String error;
  }

  @Procedure(name = "n2v.jobs", mode = Mode.READ)
  @Description("Lists the caller's running and recent jobs on the sidecar with their progress "
      + "(an admin: every user's).")
  public Stream<JobRow> jobs(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    ProcedureConfig.parse(configuration, Set.of());
    try (SidecarClient client = SidecarClient.open(db, CallerIdentity.of(tx, db))) {
      List<JobRow> rows = new ArrayList<>();
      for (Job job : list(client, "")) rows.add(row(job));
      return rows.stream();
    }
  }

  /** The jobs the caller sees, those of `trackingId` (a tracking or job id) when not empty. */
  static List<Job> list(SidecarClient client, String trackingId) {
    try {
      return client.blocking.listJobs(ListJobsRequest.newBuilder().setTrackingId(trackingId)
          .build()).getJobsList();
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "listing jobs");
    }
  }

  private static JobRow row(Job job) {
    JobRow row = new JobRow();
    row.jobId = job.getJobId();
    row.trackingId = job.getTrackingId();
    row.snapshotId = job.getSnapshotId();
    row.graphName = job.getGraphName();
    row.label = job.getLabel();
    row.username = MetadataText.decode(job.getOwner().getUser());
    row.database = MetadataText.decode(job.getOwner().getDatabase());
    row.state = job.getProgress().getState().name().replace("JOB_STATE_", "");
    row.phase = job.getProgress().getPhase().name().replace("JOB_PHASE_", "");
    row.progress = job.getProgress().getOverallFraction();
    row.elapsedSeconds = job.getProgress().getElapsedSeconds();
    row.etaSeconds = job.getProgress().getEtaSeconds();
    row.loss = job.getProgress().getLoss();
    row.lossPerIteration = new ArrayList<>(job.getLossSumPerEpochList());
    row.nodeCount = job.getNodes();
    row.embeddingDimension = job.getParams().getEmbeddingDimension();
    row.error = job.getProgress().getError();
    return row;
  }
}
