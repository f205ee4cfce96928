// The write-back of n2v.write: a finished job's spooled vectors (and, for
// warm starts, its context vectors) set on their nodes in batches of
// writeBatchSize, each batch a transaction of its own.
//
// Rules it owns:
//  * A node deleted after n2v.write read it is skipped and counted; the
//    others are written. When every node is gone, nothing was written and
//    the call fails (requireSomeWritten): a success that changed nothing
//    would be easy to miss in a scheduled job.
//  * A failure part way fails the call with a message that says how many
//    nodes hold new vectors (the write is incomplete, never a success).
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.NotFoundException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

final class NodeVectorWriter {
  /** What the write-back did: nodes set, vectors received, nodes gone since read. */
  record Outcome(String property, long written, long rows, long deleted) {
    /** "wrote 'emb' on 2 of 3 nodes (1 deleted since n2v.write read it)". */
    String summary() {
      String text = "wrote '" + property + "' on " + written + " of " + rows + " nodes";
      if (deleted == 0) return text;
      return text + " (" + deleted + (deleted == 1 ? " was" : " were")
          + " deleted since n2v.write read " + (deleted == 1 ? "it" : "them") + ")";
    }

    /** Fails the call when no node was written. */
    void requireSomeWritten() {
      if (written > 0) return;
      String head = "n2v.write wrote '" + property + "' on 0 of " + rows + " nodes: ";
      throw new IllegalStateException(rows == 0 ? head + "the job returned no vectors."
          : head + "all " + rows + " were deleted since n2v.write read them. Nothing was "
              + "written; run n2v.write again on the current graph.");
    }
  }

  private final GraphDatabaseService db;
  private final TerminationGuard guard;
  private final String property;
  private final String contextProperty;
  private final int batchSize;
  private long written;
  private long deleted;

  private NodeVectorWriter(GraphDatabaseService db, TerminationGuard guard, String property,
      String contextProperty, int batchSize) {
    this.db = db;
    this.guard = guard;
    this.property = property;
    this.contextProperty = contextProperty;
    this.batchSize = batchSize;
  }

  /**
   * Writes every row of `spool` to `property`, and the same row of `context` (null: none)
   * to `contextProperty`. Throws, naming how many nodes were written, when a batch fails.
   */
  static Outcome write(GraphDatabaseService db, TerminationGuard guard, VectorSpool spool,
      VectorSpool context, String property, String contextProperty, int batchSize) {
    NodeVectorWriter writer =
        new NodeVectorWriter(db, guard, property, contextProperty, batchSize);
    writer.writeAll(spool, context);
    return new Outcome(property, writer.written, spool.rows(), writer.deleted);
  }

  private void writeAll(VectorSpool spool, VectorSpool context) {
    List<VectorSpool.Row> batch = new ArrayList<>(Math.min(batchSize, 65_536));
    List<VectorSpool.Row> contextBatch = new ArrayList<>();
    try (Stream<VectorSpool.Row> rows = spool.stream();
        Stream<VectorSpool.Row> contextRows = context == null ? Stream.empty() : context.stream()) {
      Iterator<VectorSpool.Row> contexts = contextRows.iterator();
      rows.forEach(row -> {
        batch.add(row);
        if (context != null) contextBatch.add(contexts.next());
        if (batch.size() == batchSize) {
          writeBatch(batch, contextBatch);
          batch.clear();
          contextBatch.clear();
        }
      });
      if (!batch.isEmpty()) writeBatch(batch, contextBatch);
    } catch (RuntimeException e) {
      throw ProcedureErrors.failure("n2v.write failed after writing '" + property + "' on "
          + written + " of " + spool.rows() + " nodes: the property now holds new vectors on "
          + "those nodes and old values elsewhere. Re-run n2v.write to complete it (re-runs are "
          + "idempotent). Cause: " + e.getMessage(), e);
    }
  }

  private void writeBatch(List<VectorSpool.Row> batch, List<VectorSpool.Row> contexts) {
    guard.check();
    long set = 0;
    long gone = 0;
    try (Transaction write = db.beginTx()) {
      for (int i = 0; i < batch.size(); i++) {
        VectorSpool.Row row = batch.get(i);
        try {
          Node node = write.getNodeById(row.nodeId());
          // A node deleted by a transaction that commits while this one waits for its
          // lock throws here, not in getNodeById.
          node.setProperty(property, row.vector());
          if (contextProperty != null) node.setProperty(contextProperty, contexts.get(i).vector());
          set++;
        } catch (NotFoundException deletedSinceRead) {
          gone++;
        }
      }
      write.commit();
    }
    written += set;
    deleted += gone;
  }
}
