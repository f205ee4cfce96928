// Command line of the GDS comparison: the graph, the node2vec parameters
// both tools get, and how many interleaved rounds to time.
package org.n2v.bench.neo4j;

import java.nio.file.Path;
import java.util.Locale;

final class ComparisonOptions implements Cloneable {
  Path edges;
  Path sidecarBinary;
  Path out = Path.of("out/gds");
  String label = "Node";
  String type = "LINK";
  int dimensions = 128;
  int walkLength = 80;
  int walksPerNode = 10;
  int windowSize = 10;
  int negatives = 5;
  int iterations = 1;
  double p = 1;
  double q = 1;
  int concurrency = 2;
  double learningRate = 0.025;
  long seed = 42;
  int rounds = 1;
  /** Also time GDS with its own default learning rate (0.01). */
  boolean gdsDefaultLearningRate = true;

  static ComparisonOptions parse(String[] args) {
    ComparisonOptions o = new ComparisonOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--no-gds-default-lr")) {
        o.gdsDefaultLearningRate = false;
        continue;
      }
      if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
      String v = args[++i];
      switch (a) {
        case "--edges" -> o.edges = Path.of(v);
        case "--sidecar" -> o.sidecarBinary = Path.of(v);
        case "--out" -> o.out = Path.of(v);
        case "--dimensions" -> o.dimensions = positive(a, v);
        case "--walk-length" -> o.walkLength = positive(a, v);
        case "--walks" -> o.walksPerNode = positive(a, v);
        case "--window" -> o.windowSize = positive(a, v);
        case "--negatives" -> o.negatives = positive(a, v);
        case "--iterations" -> o.iterations = positive(a, v);
        case "--p" -> o.p = positiveReal(a, v);
        case "--q" -> o.q = positiveReal(a, v);
        case "--concurrency" -> o.concurrency = positive(a, v);
        case "--learning-rate" -> o.learningRate = positiveReal(a, v);
        case "--seed" -> o.seed = Long.parseLong(v);
        case "--rounds" -> o.rounds = positive(a, v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (o.edges == null) throw new IllegalArgumentException("--edges FILE is required");
    if (o.sidecarBinary == null) throw new IllegalArgumentException("--sidecar PATH is required");
    return o;
  }

  /** A copy with other walk counts (for the warm-up). */
  ComparisonOptions withWalks(int walks, int length) {
    try {
      ComparisonOptions c = (ComparisonOptions) clone();
      c.walksPerNode = walks;
      c.walkLength = length;
      return c;
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  String describe() {
    return String.format(Locale.ROOT, "d=%d r=%d l=%d k=%d neg=%d epochs=%d p=%s q=%s "
        + "concurrency=%d lr=%s", dimensions, walksPerNode, walkLength, windowSize, negatives,
        iterations, p, q, concurrency, learningRate);
  }

  private static int positive(String name, String v) {
    int n = Integer.parseInt(v);
    if (n <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    return n;
  }

  private static double positiveReal(String name, String v) {
    double x = Double.parseDouble(v);
    if (!(x > 0)) throw new IllegalArgumentException(name + " must be positive, got " + v);
    return x;
  }
}
