"""What the n2v-reembed suites share: the runner's command line, job files,
and the quickstart's embedded Neo4j (Les Miserables loaded, the n2v plugin
registered) talking to a real sidecar."""

import os
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))

from sidecar_process import SidecarProcess, SidecarStartError  # noqa: E402,F401

RUNNER = os.path.join(ROOT, "tools", "n2v_reembed.py")
SIDECAR = os.environ.get("N2V_SIDECAR", os.path.join(ROOT, "build", "sidecar", "n2v-sidecar"))
QUICKSTART = os.path.join(ROOT, "quickstart", "target")

JOB = ('{ nodeLabels = ["Character"], relationshipTypes = ["APPEARS_WITH"], '
       'orientation = "UNDIRECTED", relationshipWeightProperty = "weight", '
       'embeddingDimension = 16, writeProperty = "emb", deterministic = true }')

# [runner] of the test job files: quick retries and a short budget, for tests
# whose Neo4j and sidecar are up; the retry tests set their own.
RUNNER_SETTINGS = {"backoff_seconds": 0.1, "retry_budget_seconds": 1}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sidecar(workdir, listen="127.0.0.1:0"):
    """A real sidecar (1 GiB budget); fails the test with its log if it does not start."""
    try:
        return SidecarProcess(SIDECAR, workdir, ["--memory-budget", "1GiB"], listen=listen)
    except SidecarStartError as exc:
        pytest.fail(str(exc), pytrace=False)


class Quickstart:
    """The quickstart launcher's embedded Neo4j, its plugin pointed at `sidecar`
    (host:port), which must be up while it starts: the launcher runs n2v.write."""

    def __init__(self, sidecar, workdir):
        if not os.path.exists(os.path.join(QUICKSTART, "n2v-quickstart.jar")):
            pytest.fail("quickstart/target/n2v-quickstart.jar is missing: run `mvn -q -B "
                        "package -DskipTests` from the repository root (scripts/test.sh does)")
        bolt = free_port()
        self.launcher = subprocess.Popen(
            ["java", "-cp", f"{QUICKSTART}/n2v-quickstart.jar:{QUICKSTART}/lib/*",
             f"-Dn2v.datasets={os.path.join(ROOT, '..', 'shared', 'datasets')}",
             "org.n2v.quickstart.Main", "--sidecar", sidecar,
             "--bolt-port", str(bolt), "--out", str(workdir / "out")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # No deadline of its own: ctest's TIMEOUT for the suite ends a hang.
        for line in self.launcher.stdout:
            if "keeps running" in line:
                break
        else:
            pytest.fail("the quickstart launcher ended before Neo4j was up")
        self.uri = f"bolt://127.0.0.1:{bolt}"

    def stop(self):
        self.launcher.terminate()
        self.launcher.wait(timeout=60)


def write_config(path, uri, lock, jobs, **runner):
    """A job file: RUNNER_SETTINGS updated with `runner`, then one [[job]] per (name, config)."""
    settings = {**RUNNER_SETTINGS, **runner}
    text = f'[neo4j]\nuri = "{uri}"\n[runner]\nlock_file = "{lock}"\n'
    text += "".join(f"{key} = {value}\n" for key, value in settings.items())
    for name, config in jobs:
        text += f'[[job]]\nname = "{name}"\nconfig = {config}\n'
    path.write_text(text)
    return path


def command(config, *extra):
    return [sys.executable, RUNNER, "--config", str(config), *extra]


def run(config, *extra):
    return subprocess.run(command(config, *extra), capture_output=True, text=True, timeout=600)
