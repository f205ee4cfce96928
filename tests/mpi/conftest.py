"""Shared helpers for the end-to-end tests of n2v-mpi under a real mpirun.

ctest sets N2V_MPI and N2V_BIN (the single-machine CLI, for comparisons);
by hand, from the repository root:

    N2V_MPI=build/cli/n2v-mpi N2V_BIN=build/cli/n2v python3 -m pytest -q tests/mpi
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "support"))

from built_binary import built_binary  # noqa: E402
from datasets import BLOGCATALOG, CORA, DATASETS, FACEBOOK, KARATE, LESMIS_EDGES, SLASHDOT  # noqa: E402,F401,E501

CALL_TIMEOUT_S = 600


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def _run(argv, env, timeout):
    proc = subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout, env=env)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


class Mpi:
    """Runs n2v-mpi on `np` ranks under mpirun (oversubscribed: a small
    machine runs every rank count), and the single-machine n2v."""

    def __init__(self, mpi_binary: Path, cli_binary: Path):
        self.mpi_binary = mpi_binary
        self.cli_binary = cli_binary
        self.mpirun = shutil.which("mpirun")
        if self.mpirun is None:
            pytest.fail("mpirun is not on PATH: scripts/install_deps.sh installs Open MPI",
                        pytrace=False)
        # Open MPI refuses to run as root unless told. Two mpiruns that
        # start at once may race to create the same session directory
        # ("mkdir ... File exists"), as ctest runs suites side by side:
        # these runs keep theirs under a directory of their own.
        self.env = dict(os.environ, LC_ALL="C", LANG="C", OMPI_ALLOW_RUN_AS_ROOT="1",
                        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                        OMPI_MCA_rmaps_base_oversubscribe="1",
                        OMPI_MCA_orte_tmpdir_base=self._session_base())

    @staticmethod
    def _session_base() -> str:
        base = tempfile.mkdtemp(prefix="n2v-mpi-tests-")
        atexit.register(shutil.rmtree, base, True)
        return base

    def env_apart(self, directory: Path) -> dict:
        """The environment for an mpirun that starts beside another one:
        its session directory under `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        return dict(self.env, OMPI_MCA_orte_tmpdir_base=str(directory))

    def __call__(self, np, *args, timeout=CALL_TIMEOUT_S) -> Result:
        return _run([self.mpirun, "-np", np, "--oversubscribe", self.mpi_binary, *args],
                    self.env, timeout)

    def single(self, *args, timeout=CALL_TIMEOUT_S) -> Result:
        return _run([self.cli_binary, *args], self.env, timeout)


@pytest.fixture(scope="session")
def mpi() -> Mpi:
    return Mpi(built_binary("N2V_MPI", "n2v-mpi", "build/cli/n2v-mpi", "tests/mpi"),
               built_binary("N2V_BIN", "n2v", "build/cli/n2v", "tests/mpi"))
