"""A stopped n2v leaves no output behind: told to stop (SIGTERM from an
orchestrator, SIGINT from Ctrl-C, SIGHUP from a closed terminal) while it
writes, it removes its temporary file and ends by that signal; an older
file under the output's name is left as it was. Two runs writing one path
at once each write their own temporary file, so the path ends up holding
one of them whole."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "support"))
from datasets import BLOGCATALOG  # noqa: E402

# BlogCatalog's 10,312 nodes × 200 walks of 80 nodes: about 1 GB of text
# and tens of seconds, so the signal always finds the run writing.
LONG_WALKS = ["--input", BLOGCATALOG, "--num-walks", "200", "--quiet", "--workers", "1"]


def start(n2v, *args):
    return subprocess.Popen([str(n2v.binary), *map(str, args)], env=n2v.env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def wait_for_temporary_file(folder: Path, run, limit_s=30.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if list(folder.glob("*.tmp*")):
            return
        assert run.poll() is None, run.stderr.read().decode()
        time.sleep(0.05)
    pytest.fail("no temporary file appeared")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopped_walks_leave_the_old_file_and_no_temporary(n2v, tmp_path, stop):
    out = tmp_path / "walks.txt"
    out.write_text("an older file\n")
    run = start(n2v, "walks", *LONG_WALKS, "--output", out)
    try:
        wait_for_temporary_file(tmp_path, run)
        run.send_signal(stop)
        run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == -stop  # ended by the signal, as without a handler
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walks.txt"]
    assert out.read_text() == "an older file\n"


def test_two_runs_writing_one_path_leave_one_whole(n2v, tmp_path):
    flags = ["--input", BLOGCATALOG, "--walk-length", "20", "--num-walks", "2", "--quiet"]
    expected = {seed: n2v("walks", *flags, "--seed", seed).stdout for seed in ("1", "2")}
    out = tmp_path / "walks.txt"
    runs = [start(n2v, "walks", *flags, "--seed", seed, "--output", out)
            for seed in expected]
    for run in runs:
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 0, stderr.decode()
    assert out.read_text() in expected.values()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walks.txt"]
