// Neo4j vector indexes on the written property: check an existing index's
// dimension before running, create one after writing.
package org.n2v.neo4j;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.Transaction;

final class VectorIndexes {
  private VectorIndexes() {}

  /** The label the index is on: vectorIndexLabel, or the single selected label. */
  static String label(ProcedureConfig config) {
    Optional<String> explicit = config.vectorIndexLabel();
    if (explicit.isPresent()) return explicit.get();
    List<String> labels = config.nodeLabels();
    if (labels.size() != 1 || labels.get(0).equals("*")) {
      throw new IllegalArgumentException("vectorIndex needs one label to index: select a single "
          + "label with nodeLabels, or set vectorIndexLabel");
    }
    return labels.get(0);
  }

  static String name(ProcedureConfig config, String label) {
    return config.vectorIndexName().orElse(label + "_" + config.writeProperty() + "_n2v");
  }

  /** Name of an existing vector index on (label, property), after checking its dimension. */
  static Optional<String> checkExisting(GraphDatabaseService db, String label, String property,
      int dimensions) {
    try (Transaction t = db.beginTx();
        Result r = t.execute("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options "
            + "WHERE type = 'VECTOR' RETURN name, labelsOrTypes, properties, options")) {
      while (r.hasNext()) {
        Map<String, Object> row = r.next();
        if (!List.of(label).equals(row.get("labelsOrTypes"))
            || !List.of(property).equals(row.get("properties"))) {
          continue;
        }
        Object config = ((Map<?, ?>) row.get("options")).get("indexConfig");
        Object dims = config instanceof Map<?, ?> m ? m.get("vector.dimensions") : null;
        if (dims instanceof Number n && n.intValue() != dimensions) {
          throw new IllegalArgumentException("Vector index '" + row.get("name") + "' on :" + label
              + "(" + property + ") has " + n.intValue() + " dimensions but embeddingDimension is "
              + dimensions + ". Drop the index or use embeddingDimension " + n.intValue() + ".");
        }
        return Optional.of((String) row.get("name"));
      }
    }
    return Optional.empty();
  }

  static void create(GraphDatabaseService db, String name, String label, String property,
      int dimensions, String similarity) {
    String cypher = "CREATE VECTOR INDEX " + quote(name) + " IF NOT EXISTS FOR (n:" + quote(label)
        + ") ON (n." + quote(property) + ") OPTIONS {indexConfig: {`vector.dimensions`: "
        + dimensions + ", `vector.similarity_function`: '" + similarity + "'}}";
    try (Transaction t = db.beginTx()) {
      t.execute(cypher).close();
      t.commit();
    }
    try (Transaction t = db.beginTx()) {
      t.execute("CALL db.awaitIndex($name, 300)", Map.of("name", name)).close();
      t.commit();
    }
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
