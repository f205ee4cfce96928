"""n2v-reembed end to end: a real n2v-sidecar, the embedded Neo4j of the
quickstart launcher (Les Miserables loaded, plugin registered), and the
runner's exit codes, lock, summaries and warm starts."""

import fcntl
import os
import re
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))

from sidecar_process import SidecarProcess, SidecarStartError  # noqa: E402

RUNNER = os.path.join(ROOT, "tools", "n2v_reembed.py")
SIDECAR = os.environ.get("N2V_SIDECAR", os.path.join(ROOT, "build", "sidecar", "n2v-sidecar"))
QUICKSTART = os.path.join(ROOT, "quickstart", "target")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def neo4j(tmp_path_factory):
    """The bolt uri of the quickstart's Neo4j, Les Miserables loaded, its
    plugin talking to a real sidecar."""
    if not os.path.exists(os.path.join(QUICKSTART, "n2v-quickstart.jar")):
        pytest.fail("quickstart/target/n2v-quickstart.jar is missing: run `mvn -q -B package "
                    "-DskipTests` from the repository root (scripts/test.sh does)")
    tmp = tmp_path_factory.mktemp("reembed")
    try:
        sidecar = SidecarProcess(SIDECAR, tmp, ["--memory-budget", "1GiB"])
    except SidecarStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    bolt = free_port()
    launcher = subprocess.Popen(
        ["java", "-cp", f"{QUICKSTART}/n2v-quickstart.jar:{QUICKSTART}/lib/*",
         f"-Dn2v.datasets={os.path.join(ROOT, '..', 'shared', 'datasets')}",
         "org.n2v.quickstart.Main", "--sidecar", sidecar.target,
         "--bolt-port", str(bolt), "--out", str(tmp / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # No deadline of its own: ctest's TIMEOUT for the suite ends a hang.
    for line in launcher.stdout:
        if "keeps running" in line:
            break
    else:
        sidecar.stop()
        pytest.fail("the quickstart launcher ended before Neo4j was up")
    yield f"bolt://127.0.0.1:{bolt}"
    launcher.terminate()
    launcher.wait(timeout=60)
    sidecar.stop()


def write_config(path, uri, lock, jobs, retries=1):
    text = (f'[neo4j]\nuri = "{uri}"\n[runner]\nlock_file = "{lock}"\nretries = {retries}\n'
            'backoff_seconds = 0.1\n')
    for name, config in jobs:
        text += f'[[job]]\nname = "{name}"\nconfig = {config}\n'
    path.write_text(text)
    return path


def run(config, *extra):
    return subprocess.run([sys.executable, RUNNER, "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=300)


JOB = ('{ nodeLabels = ["Character"], relationshipTypes = ["APPEARS_WITH"], '
       'orientation = "UNDIRECTED", relationshipWeightProperty = "weight", '
       'embeddingDimension = 16, writeProperty = "emb", deterministic = true }')


def test_runs_cold_then_warm_with_drift(neo4j, tmp_path):
    from neo4j import GraphDatabase
    config = write_config(tmp_path / "job.toml", neo4j, tmp_path / "lock", [("lesmis", JOB)])
    first = run(config)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(r"n2v-reembed: job lesmis: ok in [0-9.]+ s: 77 nodes, 77 written, "
                        r"cold start\n", first.stdout), first.stdout
    with GraphDatabase.driver(neo4j) as driver:
        driver.execute_query("MATCH (a:Character {name: 'Cosette'}), (b:Character {name: "
                             "'Javert'}) CREATE (a)-[:APPEARS_WITH {weight: 2}]->(b)")
    second = run(config)
    assert second.returncode == 0, second.stderr
    match = re.fullmatch(r"n2v-reembed: job lesmis: ok in [0-9.]+ s: 77 nodes, 77 written, "
                         r"\+0 new, -0 removed, drift mean ([0-9.]+) p95 ([0-9.]+)\n",
                         second.stdout)
    assert match, second.stdout
    assert 0 < float(match.group(1)) < 0.3


def test_another_run_holding_the_lock_exits_3(neo4j, tmp_path):
    lock = tmp_path / "lock"
    config = write_config(tmp_path / "job.toml", neo4j, lock, [("lesmis", JOB)])
    with open(lock, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run(config)
    assert result.returncode == 3
    assert result.stderr == f"n2v-reembed: another run holds {lock}; not starting\n"


def test_a_failing_job_exits_1_and_the_others_still_run(neo4j, tmp_path):
    bad = '{ nodeLabels = ["Character"], writeProperty = "x", walkLenght = 5 }'
    config = write_config(tmp_path / "job.toml", neo4j, tmp_path / "lock",
                          [("bad", bad), ("good", JOB)])
    result = run(config)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("n2v-reembed: job bad: FAILED after ")
    assert "Unknown configuration key 'walkLenght'" in lines[0]
    assert lines[1].startswith("n2v-reembed: job good: ok in ")


def test_bad_job_files_exit_2(tmp_path):
    cases = {
        "missing": (None, "does not exist"),
        "no_uri": ("[neo4j]\n[[job]]\nname='a'\nconfig={writeProperty='x'}\n",
                   "[neo4j] needs uri"),
        "no_jobs": ('[neo4j]\nuri="bolt://127.0.0.1:1"\n', "no [[job]] tables"),
        "no_write": ('[neo4j]\nuri="bolt://127.0.0.1:1"\n[[job]]\nname="a"\nconfig={}\n',
                     "config needs writeProperty"),
        "toml": ("[neo4j\n", "not valid TOML"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / f"{name}.toml"
        if text is not None:
            path.write_text(text)
        result = run(path)
        assert result.returncode == 2, (name, result.stderr)
        assert message in result.stderr, (name, result.stderr)


def test_unreachable_neo4j_exits_4_after_retries(tmp_path):
    config = write_config(tmp_path / "job.toml", f"bolt://127.0.0.1:{free_port()}",
                          tmp_path / "lock", [("lesmis", JOB)], retries=2)
    result = run(config)
    assert result.returncode == 4
    assert result.stderr.count("retry") == 2
