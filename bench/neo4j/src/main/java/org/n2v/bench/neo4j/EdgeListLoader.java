// Loads an edge list ("u v" or "u,v" per line, integer node ids, '#'
// comments, an optional non-numeric header line) into the embedded Neo4j as
// (:Label {id}) nodes and one (a)-[:TYPE]->(b) relationship per line.
package org.n2v.bench.neo4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.RelationshipType;
import org.neo4j.graphdb.Transaction;

final class EdgeListLoader {
  private static final int BATCH = 50_000;

  private EdgeListLoader() {}

  /** What was loaded. */
  record Loaded(long nodes, long relationships, long millis) {}

  static Loaded load(GraphDatabaseService db, Path edges, String label, String type)
      throws IOException {
    long start = System.nanoTime();
    List<long[]> pairs = read(edges);
    Map<Long, String> elementIds = new HashMap<>();
    List<Long> ids = pairs.stream().flatMapToLong(LongStream::of).distinct().boxed().toList();
    Label nodeLabel = Label.label(label);
    for (int from = 0; from < ids.size(); from += BATCH) {
      try (Transaction tx = db.beginTx()) {
        for (long id : ids.subList(from, Math.min(ids.size(), from + BATCH))) {
          Node node = tx.createNode(nodeLabel);
          node.setProperty("id", id);
          elementIds.put(id, node.getElementId());
        }
        tx.commit();
      }
    }
    RelationshipType relType = RelationshipType.withName(type);
    for (int from = 0; from < pairs.size(); from += BATCH) {
      try (Transaction tx = db.beginTx()) {
        for (long[] p : pairs.subList(from, Math.min(pairs.size(), from + BATCH))) {
          tx.getNodeByElementId(elementIds.get(p[0]))
              .createRelationshipTo(tx.getNodeByElementId(elementIds.get(p[1])), relType);
        }
        tx.commit();
      }
    }
    return new Loaded(ids.size(), pairs.size(), (System.nanoTime() - start) / 1_000_000);
  }

  static List<long[]> read(Path edges) throws IOException {
    List<long[]> pairs = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(edges)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#") || t.startsWith("%")) continue;
        String[] f = t.split("[\\s,]+");
        if (f.length < 2) {
          throw new IllegalArgumentException(edges + ":" + lineNo + ": expected 'source target', got '" + t + "'");
        }
        try {
          pairs.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        } catch (NumberFormatException e) {
          if (pairs.isEmpty() && lineNo == 1) continue;  // a header line
          throw new IllegalArgumentException(edges + ":" + lineNo + ": node ids must be integers, got '" + t + "'");
        }
      }
    }
    if (pairs.isEmpty()) throw new IllegalArgumentException(edges + ": no edges");
    return pairs;
  }
}
