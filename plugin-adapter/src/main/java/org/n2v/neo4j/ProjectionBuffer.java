// A projection as one read of Neo4j gave it, held in compact columns so
// that it can be uploaded once the read has ended: what lets
// n2v.graph.project read Neo4j once although the sidecar graph's header,
// the first message of its upload, carries what only the whole read tells
// (counts, degree distribution, usable weights). Per node its id and
// degree; per relationship its ends, whether it is undirected, and each
// property's value as the 32-bit float the sidecar takes. Replays them as
// a ProjectedGraph: the nodes, then the relationships in the order read.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;

final class ProjectionBuffer implements ProjectedGraph, ProjectedGraph.Visitor {
  /**
   * Bytes a node may take while a projection is read into the buffer: its
   * id and degree here, and the reader's index of the projected nodes.
   */
  static final long NODE_BYTES = 48;

  private final List<String> properties;
  private final LongColumn ids = new LongColumn();
  private final LongColumn degrees = new LongColumn();
  private final LongColumn sources = new LongColumn();
  private final LongColumn targets = new LongColumn();
  private final java.util.BitSet undirected = new java.util.BitSet();
  private final FloatColumn[] values;

  ProjectionBuffer(List<String> properties) {
    this.properties = List.copyOf(properties);
    this.values = new FloatColumn[properties.size()];
    for (int i = 0; i < values.length; i++) values[i] = new FloatColumn();
  }

  /** Bytes a relationship takes: its ends, its direction and a float per property. */
  static long relationshipBytes(int properties) {
    return 17 + 4L * properties;
  }

  /** The most a read into the buffer of a graph within `bounds` takes. */
  static long bytes(Bounds bounds, int properties) {
    return bounds.nodes() * NODE_BYTES + bounds.relationships() * relationshipBytes(properties);
  }

  /** At most what a projection may take in the buffer. */
  static final long MAX_BYTES = 256L << 20;

  /**
   * The bytes a projection may take in the buffer: 256 MiB, and never more
   * than an eighth of the heap.
   */
  static long limit() {
    return Math.min(MAX_BYTES, Runtime.getRuntime().maxMemory() / 8);
  }

  // ------------------------------------------------------------ filling

  @Override
  public void node(long id, long degree) {
    ids.add(id);
    degrees.add(degree);
  }

  @Override
  public void relationship(long source, long target, boolean undirected, double[] row) {
    if (undirected) this.undirected.set(Math.toIntExact(sources.size));
    sources.add(source);
    targets.add(target);
    for (int i = 0; i < values.length; i++) values[i].add((float) row[i]);
  }

  // ------------------------------------------------------------ replaying

  @Override
  public List<String> properties() { return properties; }

  @Override
  public boolean held() { return true; }

  @Override
  public void visit(Visitor visitor, boolean bounded) {
    for (long i = 0; i < ids.size; i++) visitor.node(ids.get(i), degrees.get(i));
    double[] row = new double[values.length];
    for (long r = 0; r < sources.size; r++) {
      for (int i = 0; i < row.length; i++) row[i] = values[i].get(r);
      visitor.relationship(sources.get(r), targets.get(r), undirected.get((int) r), row);
    }
  }

  // ------------------------------------------------------------ columns

  private static final int BLOCK_BITS = 14;
  private static final int BLOCK = 1 << BLOCK_BITS;

  /** A column of longs in blocks, so that it grows without copying. */
  private static final class LongColumn {
    private final List<long[]> blocks = new ArrayList<>();
    long size;

    void add(long v) {
      int at = (int) (size & (BLOCK - 1));
      if (at == 0) blocks.add(new long[BLOCK]);
      blocks.get(blocks.size() - 1)[at] = v;
      size++;
    }

    long get(long i) { return blocks.get((int) (i >>> BLOCK_BITS))[(int) (i & (BLOCK - 1))]; }
  }

  /** A column of floats in blocks. */
  private static final class FloatColumn {
    private final List<float[]> blocks = new ArrayList<>();
    private long size;

    void add(float v) {
      int at = (int) (size & (BLOCK - 1));
      if (at == 0) blocks.add(new float[BLOCK]);
      blocks.get(blocks.size() - 1)[at] = v;
      size++;
    }

    float get(long i) { return blocks.get((int) (i >>> BLOCK_BITS))[(int) (i & (BLOCK - 1))]; }
  }
}
