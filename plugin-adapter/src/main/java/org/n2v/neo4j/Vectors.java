// Small conversions between float vectors and Cypher values.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;

final class Vectors {
  private Vectors() {}

  static List<Double> toList(float[] vector) {
    List<Double> out = new ArrayList<>(vector.length);
    for (float v : vector) out.add((double) v);
    return out;
  }
}
