// n2v.jobs(): running and recent jobs on the sidecar, with progress.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.ListJobsRequest;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

public class JobsProc {
  @Context public GraphDatabaseService db;

  public static class JobRow {
    public String jobId;
    public String snapshotId;
    public String label;
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
  @Description("Lists the sidecar's running and recent jobs with their progress.")
  public Stream<JobRow> jobs(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    ProcedureConfig config = ProcedureConfig.parse(configuration, ProcedureConfig.Kind.JOBS);
    try (SidecarClient client = new SidecarClient(SidecarSettings.resolve(db, config))) {
      List<Job> jobs;
      try {
        jobs = client.blocking.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList();
      } catch (StatusRuntimeException e) {
        throw client.translate(e, "listing jobs");
      }
      List<JobRow> rows = new ArrayList<>();
      for (Job job : jobs) {
        JobRow row = new JobRow();
        row.jobId = job.getJobId();
        row.snapshotId = job.getSnapshotId();
        row.label = job.getLabel();
        row.state = job.getProgress().getState().name().replace("JOB_STATE_", "");
        row.phase = job.getProgress().getPhase().name().replace("JOB_PHASE_", "");
        row.progress = job.getProgress().getOverallFraction();
        row.elapsedSeconds = job.getProgress().getElapsedSeconds();
        row.etaSeconds = job.getProgress().getEtaSeconds();
        row.loss = job.getProgress().getLoss();
        row.lossPerIteration = new ArrayList<>(job.getLossPerEpochList());
        row.nodeCount = job.getNodes();
        row.embeddingDimension = job.getParams().getEmbeddingDimension();
        row.error = job.getProgress().getError();
        rows.add(row);
      }
      return rows.stream();
    }
  }
}
