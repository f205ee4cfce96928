// An n2v-sidecar child process on a free loopback port, for the benchmark
// and its test; reports its peak resident memory (VmHWM) before it stops.
package org.n2v.bench.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

final class SidecarProcess implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final int port;

  private SidecarProcess(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  static SidecarProcess start(Path binary) throws IOException, InterruptedException {
    if (!Files.isExecutable(binary)) {
      throw new IllegalArgumentException("n2v-sidecar binary not found at '" + binary
          + "': build it (scripts/build.sh)");
    }
    Path dir = Files.createTempDirectory("n2v-bench-sidecar");
    Path portFile = dir.resolve("port");
    Process process = new ProcessBuilder(List.of(binary.toString(), "--listen", "127.0.0.1:0",
        "--port-file", portFile.toString(), "--memory-budget", "8GiB"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("sidecar.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("n2v-sidecar did not start: " + log(dir));
      }
      Thread.sleep(20);
    }
    return new SidecarProcess(process, dir, Integer.parseInt(Files.readString(portFile).strip()));
  }

  String address() { return "127.0.0.1:" + port; }

  /** Peak resident set of the sidecar so far, in bytes (Linux), or -1. */
  long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  private static String log(Path dir) throws IOException {
    Path log = dir.resolve("sidecar.log");
    return Files.exists(log) ? Files.readString(log) : "(no log)";
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
