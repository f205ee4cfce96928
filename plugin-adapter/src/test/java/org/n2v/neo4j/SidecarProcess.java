// A real n2v-sidecar child process on a free loopback port: the one launcher of
// the plugin's tests and of the GDS comparison (bench/neo4j, through this
// module's test jar), which also reads its peak resident memory.
package org.n2v.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class SidecarProcess implements AutoCloseable {
  /** Only against a hang: the port file appears well within a second. */
  private static final long START_TIMEOUT_SECONDS = 120;

  private final Process process;
  private final int port;
  private final Path log;

  private SidecarProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The binary named by -Dn2v.sidecar. */
  static Path binary() {
    String path = System.getProperty("n2v.sidecar");
    if (path == null) {
      throw new IllegalStateException("-Dn2v.sidecar is not set: pass the path of the built "
          + "n2v-sidecar (scripts/build.sh builds it)");
    }
    return Path.of(path);
  }

  /** The -Dn2v.sidecar binary with a 2 GiB memory budget; later `flags` override it. */
  static SidecarProcess start(String... flags) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--memory-budget", "2GiB"));
    all.addAll(List.of(flags));
    return start(binary(), all.toArray(String[]::new));
  }

  /**
   * Starts `binary` listening on 127.0.0.1 port 0 with `flags`, its output in a log file,
   * and returns once it has written its port. Throws IllegalStateException (with the log)
   * when it exits first or never writes one.
   */
  public static SidecarProcess start(Path binary, String... flags)
      throws IOException, InterruptedException {
    return start(List.of(), Map.of(), binary, flags);
  }

  /**
   * As start(binary, flags), with `launcher` before the binary (e.g. mpirun -np 3) and
   * `environment` added to the launcher's.
   */
  public static SidecarProcess start(List<String> launcher, Map<String, String> environment,
      Path binary, String... flags) throws IOException, InterruptedException {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("n2v-sidecar binary not found at '" + binary
          + "': build it (scripts/build.sh)");
    }
    Path dir = Files.createTempDirectory("n2v-sidecar");
    Path portFile = dir.resolve("port");
    Path log = dir.resolve("sidecar.log");
    List<String> command = new ArrayList<>(launcher);
    command.addAll(List.of(binary.toString(), "--listen", "127.0.0.1:0", "--port-file",
        portFile.toString()));
    command.addAll(List.of(flags));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("n2v-sidecar did not start: " + Files.readString(log));
      }
      Thread.sleep(20);
    }
    int port = Integer.parseInt(Files.readString(portFile).strip());
    return new SidecarProcess(process, port, log);
  }

  public int port() { return port; }

  /** The launcher's process (mpirun's, under one). */
  public long pid() { return process.pid(); }

  public String address() { return "127.0.0.1:" + port; }

  /** The sidecar's stdout and stderr: one JSON object a line. */
  public Path logFile() { return log; }

  public String logText() throws IOException { return Files.readString(log); }

  /** Peak resident set of the sidecar so far, in bytes (Linux), or -1. */
  public long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()),
          "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** SIGTERM, then SIGKILL after 10 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
