"""n2v-reembed end to end: a real n2v-sidecar, the embedded Neo4j of the
quickstart launcher (Les Miserables loaded, plugin registered), and the
runner's exit codes, lock, summaries and warm starts."""

import fcntl
import re

import pytest

from reembed_harness import JOB, Quickstart, free_port, run, start_sidecar, write_config


@pytest.fixture(scope="module")
def neo4j(tmp_path_factory):
    """The bolt uri of the quickstart's Neo4j, its plugin talking to a real sidecar."""
    tmp = tmp_path_factory.mktemp("reembed")
    sidecar = start_sidecar(tmp)
    try:
        quickstart = Quickstart(sidecar.target, tmp)
    except BaseException:
        sidecar.stop()
        raise
    yield quickstart.uri
    quickstart.stop()
    sidecar.stop()


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
        "budget": ('[neo4j]\nuri="bolt://127.0.0.1:1"\n[runner]\nretry_budget_seconds=-1\n'
                   '[[job]]\nname="a"\nconfig={writeProperty="x"}\n',
                   "[runner] retry_budget_seconds must be a number >= 0"),
        "backoff": ('[neo4j]\nuri="bolt://127.0.0.1:1"\n[runner]\nbackoff_seconds=0\n'
                    '[[job]]\nname="a"\nconfig={writeProperty="x"}\n',
                    "[runner] backoff_seconds must be a number > 0"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / f"{name}.toml"
        if text is not None:
            path.write_text(text)
        result = run(path)
        assert result.returncode == 2, (name, result.stderr)
        assert message in result.stderr, (name, result.stderr)


def test_unreachable_neo4j_exits_4_once_the_retry_budget_is_spent(tmp_path):
    uri = f"bolt://127.0.0.1:{free_port()}"
    config = write_config(tmp_path / "job.toml", uri, tmp_path / "lock", [("lesmis", JOB)],
                          retry_budget_seconds=1, backoff_seconds=0.2)
    result = run(config)
    assert result.returncode == 4
    assert f"Neo4j at {uri} unreachable (" in result.stderr
    assert "; retry 1 in 0.2 s (" in result.stderr
    assert re.search(r"Neo4j at \S+ is unreachable after [1-9][0-9]* retries "
                     r"\(retry_budget_seconds = 1 spent\)", result.stderr), result.stderr


def test_unreachable_neo4j_exits_4_after_the_retries_cap(tmp_path):
    config = write_config(tmp_path / "job.toml", f"bolt://127.0.0.1:{free_port()}",
                          tmp_path / "lock", [("lesmis", JOB)], retries=2,
                          retry_budget_seconds=600)
    result = run(config)
    assert result.returncode == 4
    assert [line.split("; ")[-1].split(" in ")[0]
            for line in result.stderr.splitlines() if "; retry " in line] == ["retry 1", "retry 2"]
    assert "is unreachable after 2 retries (retries = 2 reached)" in result.stderr


def test_a_lock_file_that_is_a_link_is_refused_and_not_written_through(tmp_path):
    """The lock's default lives in /tmp when XDG_RUNTIME_DIR is unset; a link
    another user planted there had the run's pid written into the file it
    points to."""
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours\n")
    lock = tmp_path / "lock"
    lock.symlink_to(victim)
    config = write_config(tmp_path / "job.toml", f"bolt://127.0.0.1:{free_port()}", lock,
                          [("lesmis", JOB)], retries=0)
    result = run(config)
    assert result.returncode == 2, result.stderr
    assert f"lock file {lock} is a symbolic link; not writing through it" in result.stderr
    assert victim.read_text() == "not yours\n"
    lock.unlink()
    lock.mkdir()
    result = run(config)
    assert result.returncode == 2, result.stderr
    assert f"lock file {lock}" in result.stderr, result.stderr
