// The part the anonymous runs of n2v.stream, n2v.write and the edge-feature
// procedures share: upload the selection, run a job, and clean up on the
// sidecar.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import org.n2v.grpc.v1.DeleteJobRequest;
import org.n2v.grpc.v1.DeleteSnapshotRequest;
import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.Node2VecParams;
import org.n2v.grpc.v1.StartJobRequest;
import org.neo4j.graphdb.Transaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class EmbeddingPipeline {
  /** What a run produced, with the phase timings GDS reports. */
  record Run(GraphUploader.Uploaded uploaded, Job job, long preProcessingMillis,
      long computeMillis) {}

  private EmbeddingPipeline() {}

  static Run run(Transaction tx, ProcedureConfig config, SidecarClient client,
      TerminationGuard guard, Log log, JobRunner.JobTag tag) {
    return run(tx, config, client, guard, log, tag, "neo4j:" + tag.label(),
        uploaded -> config.node2VecParams(), null);
  }

  /**
   * Like run, under a snapshot name, with warm-start vectors, and with the
   * job's parameters chosen once the upload tells how many vectors arrived.
   */
  static Run run(Transaction tx, ProcedureConfig config, SidecarClient client,
      TerminationGuard guard, Log log, JobRunner.JobTag tag, String snapshotName,
      java.util.function.Function<GraphUploader.Uploaded, Node2VecParams> paramsFor,
      GraphUploader.WarmVectors warm) {
    long start = System.nanoTime();
    GraphUploader.Uploaded uploaded =
        GraphUploader.upload(tx, config, client, guard, snapshotName, warm);
    long uploadedAt = System.nanoTime();
    String snapshotId = uploaded.snapshot().getSnapshotId();
    Job job;
    try {
      job = JobRunner.run(client, StartJobRequest.newBuilder().setSnapshotId(snapshotId)
          .setParams(paramsFor.apply(uploaded)), tag, guard, log);
    } finally {
      // The job keeps its own reference to the graph.
      deleteSnapshot(client, snapshotId);
    }
    long doneAt = System.nanoTime();
    return new Run(uploaded, job, (uploadedAt - start) / 1_000_000,
        (doneAt - uploadedAt) / 1_000_000);
  }

  static void deleteSnapshot(SidecarClient client, String snapshotId) {
    try {
      client.blocking.deleteSnapshot(
          DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshotId).build());
    } catch (StatusRuntimeException ignored) {
      // Retention drops it anyway.
    }
  }

  static void deleteJob(SidecarClient client, String jobId) {
    try {
      client.blocking.deleteJob(DeleteJobRequest.newBuilder().setJobId(jobId).build());
    } catch (StatusRuntimeException ignored) {
      // Retention drops it anyway.
    }
  }
}
