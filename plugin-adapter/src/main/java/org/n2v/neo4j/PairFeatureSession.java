// A PairFeatures call kept open for a whole procedure run: each compute()
// sends one chunk of node pairs and waits for its chunk of features.
package org.n2v.neo4j;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.n2v.grpc.v1.EdgeOperator;
import org.n2v.grpc.v1.FeatureChunk;
import org.n2v.grpc.v1.PairChunk;
import org.n2v.grpc.v1.PairFeaturesHeader;
import org.n2v.grpc.v1.PairFeaturesRequest;
import org.neo4j.procedure.TerminationGuard;

final class PairFeatureSession implements AutoCloseable {
  private final SidecarClient client;
  private final TerminationGuard guard;
  private final LinkedBlockingQueue<Object> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<PairFeaturesRequest> requests;
  private boolean closed;

  /** `header` names the vectors (a job, or a named graph's node property). */
  PairFeatureSession(SidecarClient client, PairFeaturesHeader.Builder header, EdgeOperator op,
      TerminationGuard guard) {
    this.client = client;
    this.guard = guard;
    this.requests = client.async.pairFeatures(new StreamObserver<>() {
      @Override
      public void onNext(FeatureChunk chunk) { responses.add(chunk); }

      @Override
      public void onError(Throwable t) { responses.add(t); }

      @Override
      public void onCompleted() { responses.add(Boolean.TRUE); }
    });
    requests.onNext(PairFeaturesRequest.newBuilder().setHeader(header.setOperator(op)).build());
  }

  FeatureChunk compute(long[] sources, long[] targets, int count) {
    PairChunk.Builder chunk = PairChunk.newBuilder();
    for (int i = 0; i < count; i++) chunk.addSource(sources[i]).addTarget(targets[i]);
    requests.onNext(PairFeaturesRequest.newBuilder().setPairs(chunk).build());
    try {
      while (true) {
        Object response = responses.poll(100, TimeUnit.MILLISECONDS);
        if (response == null) {
          guard.check();
          continue;
        }
        if (response instanceof FeatureChunk features) return features;
        closed = true;
        if (response instanceof Throwable t) throw client.translate(t, "computing edge features");
        throw new IllegalStateException("the sidecar ended the PairFeatures call early");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProcedureErrors.failure("Interrupted while computing edge features", e);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      requests.onCompleted();
    }
  }
}
