// One snapshot upload to the sidecar (UploadSnapshot, client-streaming):
// sends messages as gRPC's flow control allows, checking the termination
// guard while it waits, and returns the Snapshot the sidecar built.
package org.n2v.neo4j;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.n2v.grpc.v1.Snapshot;
import org.n2v.grpc.v1.UploadSnapshotRequest;
import org.neo4j.procedure.TerminationGuard;

final class UploadStream implements ClientResponseObserver<UploadSnapshotRequest, Snapshot> {
  private final TerminationGuard guard;
  private final SidecarClient client;
  private final Object lock = new Object();
  private final CompletableFuture<Snapshot> result = new CompletableFuture<>();
  private ClientCallStreamObserver<UploadSnapshotRequest> requests;

  private UploadStream(TerminationGuard guard, SidecarClient client) {
    this.guard = guard;
    this.client = client;
  }

  /** Starts an upload; the first message sent must be the header. */
  static UploadStream open(SidecarClient client, TerminationGuard guard) {
    UploadStream stream = new UploadStream(guard, client);
    client.async.uploadSnapshot(stream);
    return stream;
  }

  /** Ends the upload and waits for the snapshot the sidecar built. */
  Snapshot finish() {
    complete();
    return await();
  }

  /** Ends the upload: the sidecar builds the snapshot. */
  void complete() { requests.onCompleted(); }

  @Override
  public void beforeStart(ClientCallStreamObserver<UploadSnapshotRequest> requests) {
    this.requests = requests;
    requests.setOnReadyHandler(() -> {
      synchronized (lock) {
        lock.notifyAll();
      }
    });
  }

  void send(UploadSnapshotRequest message) {
    synchronized (lock) {
      while (!requests.isReady() && !result.isDone()) {
        try {
          lock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw ProcedureErrors.failure("Interrupted while uploading to the n2v sidecar", e);
        }
        guard.check();
      }
    }
    if (result.isDone()) {
      // The server ended the call early, with an error: report it.
      await();
    }
    requests.onNext(message);
  }

  /** The snapshot the sidecar built, once it has; a translated failure otherwise. */
  Snapshot await() {
    try {
      while (true) {
        try {
          return result.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          guard.check();
        }
      }
    } catch (ExecutionException e) {
      throw client.translate(e.getCause(), "uploading the graph");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProcedureErrors.failure("Interrupted while uploading to the n2v sidecar", e);
    }
  }

  /** Abandons the upload: the sidecar keeps nothing of it. */
  void abort() {
    if (!result.isDone()) {
      requests.onError(Status.CANCELLED.withDescription("upload aborted").asRuntimeException());
    }
  }

  @Override
  public void onNext(Snapshot snapshot) { result.complete(snapshot); }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  @Override
  public void onCompleted() {
    if (!result.isDone()) {
      result.completeExceptionally(new IllegalStateException("upload ended without a snapshot"));
    }
  }
}
