// Vectors of a finished job fetched from the sidecar into a temporary file,
// so that n2v.write touches the database only once every vector has arrived,
// without holding them on the JVM heap. Resumes an interrupted fetch from
// the rows already received.
package org.n2v.neo4j;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.n2v.grpc.v1.EmbeddingChunk;
import org.n2v.grpc.v1.FetchEmbeddingsRequest;
import org.neo4j.procedure.TerminationGuard;

final class VectorSpool implements AutoCloseable {
  private static final int MAX_RESUMES = 3;

  private final Path file;
  private final long rows;
  private final int dimensions;

  private VectorSpool(Path file, long rows, int dimensions) {
    this.file = file;
    this.rows = rows;
    this.dimensions = dimensions;
  }

  long rows() { return rows; }

  int dimensions() { return dimensions; }

  static VectorSpool fetch(SidecarClient client, String jobId, TerminationGuard guard) {
    return fetch(client, jobId, guard, false);
  }

  /** The job's context (output) vectors when `context`, else its embeddings. */
  static VectorSpool fetch(SidecarClient client, String jobId, TerminationGuard guard,
      boolean context) {
    return fetch(client, FetchEmbeddingsRequest.newBuilder().setJobId(jobId).setContext(context),
        "job " + jobId, guard);
  }

  /**
   * The vectors `request` names (a job's, or a named graph's node property:
   * `what` says which in errors).
   */
  static VectorSpool fetch(SidecarClient client, FetchEmbeddingsRequest.Builder request,
      String what, TerminationGuard guard) {
    Path file;
    try {
      file = Files.createTempFile("n2v-vectors-", ".bin");
    } catch (IOException e) {
      throw ProcedureErrors.failure("Cannot create a temporary file for the vectors: " + e, e);
    }
    long received = 0;
    long total = -1;
    int dims = 0;
    int resumes = 0;
    try (DataOutputStream out = new DataOutputStream(
        new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      while (total < 0 || received < total) {
        try {
          Iterator<EmbeddingChunk> chunks =
              client.blocking.fetchEmbeddings(request.setOffset(received).build());
          while (chunks.hasNext()) {
            guard.check();
            EmbeddingChunk chunk = chunks.next();
            total = chunk.getTotalRows();
            dims = chunk.getDimensions();
            ByteBuffer vectors = chunk.getVectors().asReadOnlyByteBuffer();
            for (int i = 0; i < chunk.getNodeIdsCount(); i++) {
              out.writeLong(chunk.getNodeIds(i));
              byte[] row = new byte[dims * Float.BYTES];
              vectors.get(row);
              out.write(row);
            }
            received += chunk.getNodeIdsCount();
          }
          if (total < 0) total = 0;
        } catch (StatusRuntimeException e) {
          if (Status.fromThrowable(e).getCode() != Status.Code.UNAVAILABLE
              || ++resumes > MAX_RESUMES) {
            throw client.translate(e, "fetching the vectors of " + what);
          }
        }
      }
    } catch (IOException e) {
      deleteQuietly(file);
      throw ProcedureErrors.failure("Cannot spool vectors to " + file + ": " + e, e);
    } catch (RuntimeException e) {
      deleteQuietly(file);
      throw e;
    }
    return new VectorSpool(file, received, dims);
  }

  /** A row: a node id and its vector. */
  record Row(long nodeId, float[] vector) {}

  interface RowConsumer {
    void accept(Row row);
  }

  /** The rows in order, read lazily; the stream must be closed. */
  java.util.stream.Stream<Row> stream() {
    DataInputStream in;
    try {
      in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Iterator<Row> rowsIterator = new Iterator<>() {
      private long next = 0;
      private final byte[] bytes = new byte[dimensions * Float.BYTES];

      @Override
      public boolean hasNext() { return next < rows; }

      @Override
      public Row next() {
        try {
          long id = in.readLong();
          in.readFully(bytes);
          float[] vector = new float[dimensions];
          ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
          next++;
          return new Row(id, vector);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    return java.util.stream.StreamSupport.stream(
            java.util.Spliterators.spliterator(rowsIterator, rows,
                java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL), false)
        .onClose(() -> {
          try {
            in.close();
          } catch (IOException ignored) {
            // best effort
          }
          close();
        });
  }

  /** Calls `consumer` for every row, in order. */
  void forEach(RowConsumer consumer) {
    byte[] bytes = new byte[dimensions * Float.BYTES];
    try (DataInputStream in = new DataInputStream(
        new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      for (long r = 0; r < rows; r++) {
        long id = in.readLong();
        in.readFully(bytes);
        float[] vector = new float[dimensions];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
        consumer.accept(new Row(id, vector));
      }
    } catch (EOFException e) {
      throw ProcedureErrors.failure("Vector spool " + file + " is truncated", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // best effort
    }
  }

  @Override
  public void close() { deleteQuietly(file); }
}
