// n2v-health-probe as a child process: exit status 0 and one SERVING line
// against a running n2v-sidecar; exit status 1 (never 2, which Docker
// reserves) for an unknown service, a stopped sidecar, a closed port, a
// server that never answers (--timeout), TLS mistakes and bad usage.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::sidecar {
namespace {

using testing::ChildProcess;
using testing::ScratchDir;
using testing::SidecarProcess;

struct ProbeRun {
  int exit_code = -1;  // -1: did not exit normally within the test's limit
  std::string out;     // stdout
  std::string err;     // stderr
  absl::Duration took;
};

ProbeRun RunProbe(const ScratchDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {N2V_HEALTH_PROBE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ProbeRun run;
  const absl::Time start = absl::Now();
  std::unique_ptr<ChildProcess> probe = ChildProcess::Start(
      argv, dir.File("probe.out"), dir.File("probe.err"));
  if (probe == nullptr) return run;
  const std::optional<int> status = probe->Wait(testing::kHangGuard);
  run.took = absl::Now() - start;
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  run.out = testing::ReadFile(dir.File("probe.out"));
  run.err = testing::ReadFile(dir.File("probe.err"));
  return run;
}

std::string Address(int port) { return absl::StrCat("127.0.0.1:", port); }

// The probe's contract: exactly one line on stdout, naming the outcome.
void ExpectOneLine(const ProbeRun& run, const std::string& part) {
  EXPECT_TRUE(absl::StartsWith(run.out, "n2v-health-probe: ")) << run.out;
  EXPECT_TRUE(absl::EndsWith(run.out, "\n")) << run.out;
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1) << run.out;
  EXPECT_TRUE(absl::StrContains(run.out, part))
      << "expected '" << part << "' in: " << run.out;
}

// A TCP socket on 127.0.0.1 with a kernel-chosen port; listening or merely
// bound (then connections are refused, and no other process can take the
// port while the test runs). Closed on destruction.
class LocalSocket {
 public:
  explicit LocalSocket(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (fd_ < 0 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        (listening && ::listen(fd_, 16) != 0) ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot set up a local socket";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LocalSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(HealthProbeTest, ServingSidecarThenStopped) {
  ScratchDir dir;
  SidecarProcess sidecar(dir, {"--memory-budget", "64MiB", "--grace", "1s"});
  ASSERT_NE(sidecar.process, nullptr);
  const std::string address = Address(sidecar.port);

  ProbeRun run = RunProbe(dir, {"--address", address});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectOneLine(run, "service \"n2v.v1.N2v\": SERVING");

  // --flag=value works as well; "" is the whole server.
  run = RunProbe(dir, {"--address=" + address, "--service=", "--timeout=5s"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  ExpectOneLine(run, "service \"\": SERVING");

  run = RunProbe(dir, {"--address", address, "--service", "no.such.Service"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  ExpectOneLine(run, "NOT_FOUND");

  sidecar.process->Signal(SIGTERM);
  ASSERT_TRUE(sidecar.process->Wait(testing::kHangGuard).has_value());
  run = RunProbe(dir, {"--address", address});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  ExpectOneLine(run, "UNAVAILABLE");
}

TEST(HealthProbeTest, ClosedPortFailsFast) {
  ScratchDir dir;
  const LocalSocket closed(/*listening=*/false);
  ASSERT_NE(closed.port(), 0);
  // Refused connections fail the call at once, not at the deadline: with an
  // hour's deadline the probe still exits (within kHangGuard), UNAVAILABLE.
  const ProbeRun run =
      RunProbe(dir, {"--address", Address(closed.port()), "--timeout", "1h"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  ExpectOneLine(run, "UNAVAILABLE");
}

TEST(HealthProbeTest, SilentServerHitsTheTimeout) {
  ScratchDir dir;
  // Accepts TCP connections (the kernel completes them) but never speaks
  // HTTP/2.
  const LocalSocket silent(/*listening=*/true);
  ASSERT_NE(silent.port(), 0);
  const ProbeRun run = RunProbe(
      dir, {"--address", Address(silent.port()), "--timeout", "300ms"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  ExpectOneLine(run, "DEADLINE_EXCEEDED");
  // A lower bound only: the probe waited for its deadline.
  EXPECT_GE(run.took, absl::Milliseconds(250));
}

TEST(HealthProbeTest, BadUsageExitsOneNotTwo) {
  ScratchDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus"}, "unknown argument '--bogus'"},
      {{"--address"}, "--address needs a value"},
      {{"--timeout", "soon"}, "--timeout: bad duration 'soon'"},
      {{"--timeout", "0s"}, "--timeout: bad duration '0s'"},
      {{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key must be given together"},
      {{"--tls-ca", dir.File("missing.pem")}, "cannot read"},
      {{"--token-file", dir.File("missing")}, "cannot read"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args[0]);
    const ProbeRun run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    ExpectOneLine(run, message);
  }
  const ProbeRun help = RunProbe(dir, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(help.out, "usage: n2v-health-probe")) << help.out;
}

// TLS with a certificate for the name "n2v-sidecar" (as in a cluster, where
// the probe still connects to 127.0.0.1), then mutual TLS, with a token
// file; the certificates are self-signed, made by openssl for the test.
TEST(HealthProbeTest, TlsMutualTlsAndToken) {
  if (std::system("openssl version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl is not on PATH";
  }
  ScratchDir dir;
  const std::string key =
      "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2";
  const std::string script = absl::StrCat(
      "cd '", dir.path(), "' && (openssl req -x509 ", key,
      " -keyout server.key -out server.pem -subj /CN=n2v-sidecar",
      " -addext subjectAltName=DNS:n2v-sidecar && openssl req -x509 ", key,
      " -keyout client.key -out client.pem -subj /CN=n2v-probe",
      " && printf '# probe token\\n\\n  s3cret  \\n' > tokens",
      " && printf '# nothing here\\n' > empty-tokens) > openssl.log 2>&1");
  ASSERT_EQ(std::system(script.c_str()), 0)
      << testing::ReadFile(dir.File("openssl.log"));
  const std::vector<std::string> tls_flags = {
      "--tls-cert", dir.File("server.pem"), "--tls-key", dir.File("server.key"),
      "--token-file", dir.File("tokens")};
  const std::vector<std::string> trust = {"--tls-ca", dir.File("server.pem"),
                                          "--tls-server-name", "n2v-sidecar",
                                          "--token-file", dir.File("tokens")};
  {
    SCOPED_TRACE("TLS");
    const ScratchDir run_dir;  // its own port file
    SidecarProcess sidecar(run_dir, tls_flags);
    ASSERT_NE(sidecar.process, nullptr);
    std::vector<std::string> args = {"--address", Address(sidecar.port)};
    ProbeRun run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 1) << "plaintext to a TLS port: " << run.out;
    ExpectOneLine(run, "UNAVAILABLE");

    args.insert(args.end(), trust.begin(), trust.end());
    run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    ExpectOneLine(run, "SERVING");

    args.resize(4);  // --tls-ca only: 127.0.0.1 is not in the certificate
    run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    ExpectOneLine(run, "UNAVAILABLE");

    args = {"--address", Address(sidecar.port), "--token-file",
            dir.File("empty-tokens")};
    run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    ExpectOneLine(run, "no token in");
  }
  {
    SCOPED_TRACE("mutual TLS");
    std::vector<std::string> flags = tls_flags;
    flags.insert(flags.end(), {"--tls-client-ca", dir.File("client.pem")});
    const ScratchDir run_dir;
    SidecarProcess sidecar(run_dir, flags);
    ASSERT_NE(sidecar.process, nullptr);
    std::vector<std::string> args = {"--address", Address(sidecar.port)};
    args.insert(args.end(), trust.begin(), trust.end());
    ProbeRun run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 1) << "no client certificate: " << run.out;
    ExpectOneLine(run, "UNAVAILABLE");

    args.insert(args.end(), {"--tls-cert", dir.File("client.pem"), "--tls-key",
                             dir.File("client.key")});
    run = RunProbe(dir, args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    ExpectOneLine(run, "SERVING");
  }
}

}  // namespace
}  // namespace n2v::sidecar
