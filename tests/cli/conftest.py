"""Shared helpers for the end-to-end tests of the n2v command-line tool.

The tests run the built binary named by the environment variable N2V_BIN.
ctest sets it; by hand, from the repository root:

    N2V_BIN=build/cli/n2v python3 -m pytest -q tests/cli
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "support"))

from built_binary import built_binary  # noqa: E402
from datasets import CORA, DATASETS, KARATE, LESMIS_EDGES, SLASHDOT  # noqa: E402,F401

# Generous per-call limit: every call here takes well under a second, so
# reaching it means the CLI hangs.
CALL_TIMEOUT_S = 60


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self):
        return self.stderr.splitlines()


class Cli:
    """Runs the n2v binary with a clean, C-locale environment."""

    def __init__(self, binary: Path):
        self.binary = binary
        self.env = dict(os.environ, LC_ALL="C", LANG="C")

    def __call__(self, *args, timeout=CALL_TIMEOUT_S, **kwargs) -> Result:
        argv = [str(self.binary)] + [str(a) for a in args]
        proc = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=self.env,
            **kwargs,
        )
        return Result(
            proc.returncode,
            proc.stdout.decode("utf-8", errors="replace"),
            proc.stderr.decode("utf-8", errors="replace"),
        )


@pytest.fixture(scope="session")
def n2v() -> Cli:
    return Cli(built_binary("N2V_BIN", "n2v", "build/cli/n2v", "tests/cli"))


# ------------------------------------------------------- embedding files


def read_text_embeddings(path):
    """Parses a word2vec text file; returns (count, dims, ids, float32 rows).

    Checks the structure strictly: a "<count> <dims>" header, exactly count
    rows of an integer id and dims values, a final newline.
    """
    text = Path(path).read_text()
    assert text.endswith("\n"), "text embeddings must end with a newline"
    lines = text[:-1].split("\n")
    header = lines[0].split(" ")
    assert len(header) == 2, f"bad header {lines[0]!r}"
    count, dims = int(header[0]), int(header[1])
    rows = lines[1:]
    assert len(rows) == count, f"header says {count} rows, file has {len(rows)}"
    ids = []
    values = np.empty((count, dims), dtype=np.float32)
    for r, line in enumerate(rows):
        fields = line.split(" ")
        assert len(fields) == dims + 1, f"row {r + 1}: {len(fields)} fields"
        ids.append(int(fields[0]))
        values[r] = np.array(fields[1:], dtype=np.float32)
    return count, dims, ids, values


def read_binary_embeddings(path):
    """Parses word2vec binary: "N d\\n", then per row ASCII id, a space,
    d little-endian float32 and "\\n". Returns (count, dims, ids, rows)."""
    data = Path(path).read_bytes()
    newline = data.index(b"\n")
    count, dims = (int(f) for f in data[:newline].split(b" "))
    at = newline + 1
    ids = []
    values = np.empty((count, dims), dtype=np.float32)
    for r in range(count):
        space = data.index(b" ", at)
        ids.append(int(data[at:space]))
        start = space + 1
        values[r] = np.frombuffer(data, dtype="<f4", count=dims, offset=start)
        at = start + 4 * dims
        assert data[at : at + 1] == b"\n", f"row {r + 1} does not end in a newline"
        at += 1
    assert at == len(data), f"{len(data) - at} trailing bytes after {count} rows"
    return count, dims, ids, values


def rows_by_id(ids, values):
    return {i: values[r] for r, i in enumerate(ids)}


def bits(values):
    """The exact bit patterns of float32 values, for bit-exact comparisons."""
    return np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
