"""n2v-reembed's retry budget against a sidecar that is down: a sidecar that
comes up within retry_budget_seconds lets the job succeed, and a budget (or
a retries cap) that runs out fails the job naming the setting. The quickstart's
Neo4j starts with a sidecar, which is then stopped; a new one listens on the
same address when a test starts it. Tests wait for events (a retry logged),
never for a duration."""

import importlib.util
import re
import subprocess

import pytest

from reembed_harness import JOB, RUNNER, Quickstart, command, run, start_sidecar, write_config


class SidecarAddress:
    """The address the plugin's sidecar setting names, with a sidecar behind it or not."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.sidecar = start_sidecar(tmp_path_factory.mktemp("first-sidecar"))
        self.target = self.sidecar.target

    def stop(self):
        if self.sidecar is not None:
            self.sidecar.stop()
            self.sidecar = None

    def start(self):
        self.stop()
        self.sidecar = start_sidecar(self.tmp_path_factory.mktemp("sidecar"), listen=self.target)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """(bolt uri, SidecarAddress) of a quickstart Neo4j whose sidecar is stopped."""
    address = SidecarAddress(tmp_path_factory)
    try:
        quickstart = Quickstart(address.target, tmp_path_factory.mktemp("quickstart"))
    except BaseException:
        address.stop()
        raise
    address.stop()
    yield quickstart.uri, address
    quickstart.stop()
    address.stop()


UNREACHABLE = r"The n2v sidecar at {} is unreachable while uploading the graph"
# The sidecar comes up after this many retries: more than a count of three, the
# limit before retry_budget_seconds, would have allowed.
LATE = 5


def test_a_sidecar_that_comes_up_within_the_budget_lets_the_job_succeed(world, tmp_path):
    uri, address = world
    address.stop()
    config = write_config(tmp_path / "job.toml", uri, tmp_path / "lock", [("lesmis", JOB)],
                          retry_budget_seconds=600, backoff_seconds=0.1)
    runner = subprocess.Popen(command(config), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        retries = []
        for line in runner.stderr:
            if "transient failure" in line:
                retries.append(line)
                if len(retries) == LATE:
                    break
        assert len(retries) == LATE, f"the runner ended after {len(retries)} retries"
        assert all(re.search(UNREACHABLE.format(re.escape(address.target)), line)
                   for line in retries), retries
        address.start()  # only now, with the runner waiting for its next retry
        stdout, stderr = runner.communicate(timeout=600)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert runner.returncode == 0, stderr
    assert re.fullmatch(r"n2v-reembed: job lesmis: ok in [0-9.]+ s: 77 nodes, 77 written, .*\n",
                        stdout), stdout


def test_a_budget_too_small_fails_naming_the_setting(world, tmp_path):
    uri, address = world
    address.stop()
    config = write_config(tmp_path / "job.toml", uri, tmp_path / "lock", [("lesmis", JOB)],
                          retry_budget_seconds=1, backoff_seconds=0.2)
    result = run(config)
    assert result.returncode == 1
    assert re.fullmatch(r"n2v-reembed: job lesmis: FAILED after [0-9.]+ s and [1-9][0-9]* "
                        r"retries \(retry_budget_seconds = 1 spent\): .*"
                        + UNREACHABLE.format(re.escape(address.target)) + r".*\n",
                        result.stdout), result.stdout
    assert "job lesmis: transient failure (" in result.stderr


def test_a_retries_cap_fails_naming_the_setting(world, tmp_path):
    uri, address = world
    address.stop()
    config = write_config(tmp_path / "job.toml", uri, tmp_path / "lock", [("lesmis", JOB)],
                          retry_budget_seconds=600, backoff_seconds=0.1, retries=2)
    result = run(config)
    assert result.returncode == 1
    assert re.fullmatch(r"n2v-reembed: job lesmis: FAILED after [0-9.]+ s and 2 retries "
                        r"\(retries = 2 reached\): .*\n", result.stdout), result.stdout
    assert result.stderr.count("job lesmis: transient failure (") == 2


def test_waits_double_from_backoff_seconds_up_to_a_minute():
    spec = importlib.util.spec_from_file_location("n2v_reembed", RUNNER)
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    assert [runner.backoff_delay(5, n) for n in range(7)] == [5, 10, 20, 40, 60, 60, 60]
    assert runner.RETRY_BUDGET_SECONDS == 300
