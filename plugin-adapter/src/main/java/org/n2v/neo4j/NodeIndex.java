// The nodes of a projection, in the order found, each with a slot: its
// place in `ids` and `degrees` (the degree counted so far), found from the
// id through an open-addressing table of slot + 1 (0: a free cell), kept at
// most half full. 24 to 32 bytes a node. Any long is an id.
package org.n2v.neo4j;

import java.util.Arrays;

final class NodeIndex {
  long[] ids;
  long[] degrees;
  int size;
  private int[] table;
  private int mask;

  /** An index sized for `expected` nodes; it grows past them. */
  NodeIndex(long expected) {
    int nodes = (int) Math.min(Math.max(expected, 16), 1 << 28);
    ids = new long[nodes];
    degrees = new long[nodes];
    table(Integer.highestOneBit(2 * nodes - 1) << 1);
  }

  private void table(int capacity) {
    table = new int[capacity];
    mask = capacity - 1;
  }

  /** The cell of `id`: where it is, or the free cell where it goes. */
  private int cell(long id) {
    int h = (int) (id ^ (id >>> 32)) * 0x9E3779B9;
    int i = (h ^ (h >>> 16)) & mask;
    while (table[i] != 0 && ids[table[i] - 1] != id) i = (i + 1) & mask;
    return i;
  }

  /** The slot of `id`, added unless it is there. */
  int add(long id) {
    int i = cell(id);
    if (table[i] != 0) return table[i] - 1;
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      degrees = Arrays.copyOf(degrees, size * 2);
    }
    ids[size++] = id;
    table[i] = size;
    if (size * 2L > table.length) {
      table(table.length * 2);
      for (int s = 0; s < size; s++) table[cell(ids[s])] = s + 1;
    }
    return size - 1;
  }

  /** The slot of `id`, or -1 when it is not there. */
  int slot(long id) {
    return table[cell(id)] - 1;
  }
}
