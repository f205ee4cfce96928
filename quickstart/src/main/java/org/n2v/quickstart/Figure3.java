// The node2vec paper's Figure 3 for a small graph: nodes placed by a
// force-directed layout (the same for every picture) and coloured by
// k-means clusters of their embeddings, drawn to PNG with Java2D.
package org.n2v.quickstart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;

final class Figure3 {
  private static final Color[] PALETTE = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
    new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75),
    new Color(227, 119, 194), new Color(127, 127, 127), new Color(188, 189, 34),
    new Color(23, 190, 207)};

  private Figure3() {}

  /** Fruchterman-Reingold positions in [0, 1]^2, seeded. */
  static double[][] layout(int n, int[][] edges, long seed) {
    Random random = new Random(seed);
    double[][] pos = new double[n][2];
    for (double[] p : pos) {
      p[0] = random.nextDouble();
      p[1] = random.nextDouble();
    }
    double k = Math.sqrt(1.0 / n);
    double temperature = 0.1;
    for (int iteration = 0; iteration < 600; iteration++) {
      double[][] move = new double[n][2];
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          double dx = pos[i][0] - pos[j][0];
          double dy = pos[i][1] - pos[j][1];
          double d = Math.max(1e-4, Math.hypot(dx, dy));
          double force = k * k / d;
          move[i][0] += dx / d * force;
          move[i][1] += dy / d * force;
          move[j][0] -= dx / d * force;
          move[j][1] -= dy / d * force;
        }
      }
      for (int[] e : edges) {
        double dx = pos[e[0]][0] - pos[e[1]][0];
        double dy = pos[e[0]][1] - pos[e[1]][1];
        double d = Math.max(1e-4, Math.hypot(dx, dy));
        double force = d * d / k;
        move[e[0]][0] -= dx / d * force;
        move[e[0]][1] -= dy / d * force;
        move[e[1]][0] += dx / d * force;
        move[e[1]][1] += dy / d * force;
      }
      for (int i = 0; i < n; i++) {
        double d = Math.max(1e-9, Math.hypot(move[i][0], move[i][1]));
        double step = Math.min(d, temperature);
        pos[i][0] += move[i][0] / d * step;
        pos[i][1] += move[i][1] / d * step;
      }
      temperature = Math.max(0.002, temperature * 0.99);
    }
    normalise(pos);
    return pos;
  }

  private static void normalise(double[][] pos) {
    for (int axis = 0; axis < 2; axis++) {
      double lo = Double.MAX_VALUE;
      double hi = -Double.MAX_VALUE;
      for (double[] p : pos) {
        lo = Math.min(lo, p[axis]);
        hi = Math.max(hi, p[axis]);
      }
      for (double[] p : pos) p[axis] = hi > lo ? (p[axis] - lo) / (hi - lo) : 0.5;
    }
  }

  /** k-means (k-means++ seeding, best of 20 restarts) on unit-length rows. */
  static int[] kmeans(double[][] rows, int k, long seed) {
    int n = rows.length;
    int d = rows[0].length;
    double[][] x = new double[n][];
    for (int i = 0; i < n; i++) {
      double norm = Math.sqrt(Arrays.stream(rows[i]).map(v -> v * v).sum());
      x[i] = Arrays.stream(rows[i]).map(v -> norm > 0 ? v / norm : 0).toArray();
    }
    Random random = new Random(seed);
    int[] best = null;
    double bestInertia = Double.MAX_VALUE;
    for (int restart = 0; restart < 20; restart++) {
      double[][] centers = new double[k][];
      centers[0] = x[random.nextInt(n)].clone();
      for (int c = 1; c < k; c++) {
        double[] dist = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
          dist[i] = Double.MAX_VALUE;
          for (int o = 0; o < c; o++) dist[i] = Math.min(dist[i], sq(x[i], centers[o]));
          total += dist[i];
        }
        double u = random.nextDouble() * total;
        int pick = 0;
        while (pick < n - 1 && (u -= dist[pick]) > 0) pick++;
        centers[c] = x[pick].clone();
      }
      int[] assign = new int[n];
      for (int iteration = 0; iteration < 100; iteration++) {
        boolean changed = false;
        for (int i = 0; i < n; i++) {
          int nearest = 0;
          for (int c = 1; c < k; c++) {
            if (sq(x[i], centers[c]) < sq(x[i], centers[nearest])) nearest = c;
          }
          changed |= nearest != assign[i];
          assign[i] = nearest;
        }
        double[][] sums = new double[k][d];
        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
          counts[assign[i]]++;
          for (int j = 0; j < d; j++) sums[assign[i]][j] += x[i][j];
        }
        for (int c = 0; c < k; c++) {
          if (counts[c] == 0) continue;
          for (int j = 0; j < d; j++) centers[c][j] = sums[c][j] / counts[c];
        }
        if (!changed && iteration > 0) break;
      }
      double inertia = 0;
      for (int i = 0; i < n; i++) inertia += sq(x[i], centers[assign[i]]);
      if (inertia < bestInertia) {
        bestInertia = inertia;
        best = assign;
      }
    }
    return best;
  }

  private static double sq(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
  }

  static void draw(Path file, String title, String[] names, double[][] pos, int[][] edges,
      double[] weights, int[] cluster) throws IOException {
    int width = 1400;
    int height = 1000;
    int margin = 70;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
        RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    double[][] xy = new double[pos.length][2];
    for (int i = 0; i < pos.length; i++) {
      xy[i][0] = margin + pos[i][0] * (width - 2 * margin);
      xy[i][1] = margin + 30 + pos[i][1] * (height - 2 * margin - 30);
    }
    g.setColor(new Color(170, 170, 170));
    for (int e = 0; e < edges.length; e++) {
      g.setStroke(new BasicStroke((float) (0.6 + Math.log1p(weights[e]) * 0.6)));
      g.draw(new Line2D.Double(xy[edges[e][0]][0], xy[edges[e][0]][1],
          xy[edges[e][1]][0], xy[edges[e][1]][1]));
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i < pos.length; i++) {
      double r = 10;
      g.setColor(PALETTE[cluster[i] % PALETTE.length]);
      g.fill(new Ellipse2D.Double(xy[i][0] - r, xy[i][1] - r, 2 * r, 2 * r));
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1f));
      g.draw(new Ellipse2D.Double(xy[i][0] - r, xy[i][1] - r, 2 * r, 2 * r));
      g.setColor(new Color(40, 40, 40));
      g.drawString(names[i], (float) (xy[i][0] + r + 2), (float) (xy[i][1] + 4));
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
    g.setColor(Color.BLACK);
    g.drawString(title, margin, 40);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }
}
