// A real n2v-sidecar process for the tests, on a free loopback port.
package org.n2v.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

final class SidecarProcess implements AutoCloseable {
  final Process process;
  final int port;
  final Path log;

  private SidecarProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static Path binary() {
    String path = System.getProperty("n2v.sidecar");
    if (path == null || !Files.isExecutable(Path.of(path))) {
      throw new IllegalStateException("n2v-sidecar binary not found at '" + path
          + "': build it (scripts/build.sh) or pass -Dn2v.sidecar=PATH");
    }
    return Path.of(path);
  }

  static SidecarProcess start(String... extraArgs) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("n2v-sidecar-test");
    Path portFile = dir.resolve("port");
    Path log = dir.resolve("sidecar.log");
    List<String> command = new ArrayList<>(List.of(binary().toString(), "--listen",
        "127.0.0.1:0", "--port-file", portFile.toString(), "--memory-budget", "2GiB"));
    command.addAll(List.of(extraArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(portFile)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("n2v-sidecar did not start: " + Files.readString(log));
      }
      Thread.sleep(20);
    }
    int port = Integer.parseInt(Files.readString(portFile).strip());
    return new SidecarProcess(process, port, log);
  }

  String address() { return "127.0.0.1:" + port; }

  String logText() throws IOException { return Files.readString(log); }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
