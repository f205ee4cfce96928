// The rule for nodes the calling transaction created and has not committed:
// n2v.write reads them (they are in its selection) but writes its vectors in
// transactions of its own, which cannot see them. So a selection that holds
// any is refused before anything runs, with the fix in the message.
//
// The Core API cannot tell a committed node from an uncommitted one; this
// reads the calling transaction's state through Neo4j's kernel API (the
// transaction a procedure gets is an InternalTransaction, as the database
// service is a GraphDatabaseAPI). Where that state is not available the
// check is skipped.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.collections.api.iterator.LongIterator;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Transaction;
import org.neo4j.kernel.api.txstate.TxStateHolder;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;

final class UncommittedNodes {
  /** How many ids the message lists. */
  private static final int IDS_SHOWN = 10;

  private UncommittedNodes() {}

  /**
   * Throws IllegalArgumentException when `tx` created nodes that carry any of `labels`
   * ("*": any node), naming how many and the first ids.
   */
  static void refuseSelected(Transaction tx, List<String> labels) {
    if (!(tx instanceof InternalTransaction internal)
        || !(internal.kernelTransaction() instanceof TxStateHolder state)
        || !state.hasTxStateWithChanges()) {
      return;
    }
    Set<String> selected = labels.contains("*") ? null : Set.copyOf(labels);
    List<Long> ids = new ArrayList<>();
    long count = 0;
    LongIterator added = state.txState().addedAndRemovedNodes().getAdded().longIterator();
    while (added.hasNext()) {
      long id = added.next();
      if (!isSelected(tx.getNodeById(id), selected)) continue;
      if (ids.size() < IDS_SHOWN) ids.add(id);
      count++;
    }
    if (count == 0) return;
    ids.sort(null);
    String list = ids.toString().replaceAll("[\\[\\]]", "") + (count > ids.size() ? ", …" : "");
    throw new IllegalArgumentException("n2v.write cannot write to nodes created in this "
        + "transaction (" + count + (count == 1 ? " selected node, id " : " selected nodes, ids ")
        + list + "): it writes the vectors in transactions of its own, which cannot see "
        + "uncommitted nodes. Commit them first, then call n2v.write.");
  }

  private static boolean isSelected(Node node, Set<String> labels) {
    if (labels == null) return true;
    for (Label label : node.getLabels()) {
      if (labels.contains(label.name())) return true;
    }
    return false;
  }
}
