"""Fixtures of the Python client tests: real n2v-sidecar processes.

The tests run the built server named by the environment variable
N2V_SIDECAR (ctest sets it). By hand, from the repository root:

    N2V_SIDECAR=build/sidecar/n2v-sidecar python -m pytest -q tests/python_client

The client is imported from clients/python (its gRPC stubs are generated
from proto/n2v/v1/n2v.proto on first import, which needs grpcio-tools).
Each server is started by tests/support/sidecar_process.py (127.0.0.1
port 0, --port-file) and stopped with SIGTERM when its fixture ends.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "clients" / "python"))
sys.path.insert(0, str(REPO / "tests" / "support"))

from built_binary import built_binary  # noqa: E402
from n2v_client import Client  # noqa: E402
from sidecar_process import START_TIMEOUT_S, SidecarProcess, SidecarStartError  # noqa: E402

# The shared real graphs live next to the repository (../shared/datasets).
KARATE = REPO / ".." / "shared" / "datasets" / "karate" / "karate.edgelist"

# Small, fast node2vec settings for karate-sized graphs.
SMALL = dict(embedding_dimension=16, walk_length=20, walks_per_node=5,
             window_size=5, negative_sampling_rate=5, iterations=1,
             random_seed=7)


class Sidecar(SidecarProcess):
    """One n2v-sidecar process listening on 127.0.0.1 (a free port) that
    reports SERVING; fails the test when it does not start."""

    def __init__(self, binary: Path, workdir: Path, args: Sequence[str] = (),
                 client_kwargs: Optional[dict] = None) -> None:
        # Client arguments every client of this server needs (TLS material).
        self.client_kwargs = dict(client_kwargs or {})
        try:
            super().__init__(binary, workdir, args)
        except SidecarStartError as exc:
            pytest.fail(str(exc), pytrace=False)
        with self.client(timeout=5) as probe:
            try:
                probe.wait_until_serving(timeout=START_TIMEOUT_S)
            except Exception as exc:
                self.stop()
                pytest.fail(f"n2v-sidecar on {self.target} never reported SERVING: "
                            f"{exc}\n{self.log()}", pytrace=False)

    def client(self, **kwargs) -> Client:
        kwargs = {"timeout": 30, **self.client_kwargs, **kwargs}
        return Client(self.target, **kwargs)


@pytest.fixture(scope="session")
def sidecar_binary() -> Path:
    return built_binary("N2V_SIDECAR", "n2v-sidecar", "build/sidecar/n2v-sidecar",
                        "tests/python_client")


@pytest.fixture(scope="session")
def start_sidecar(sidecar_binary, tmp_path_factory):
    """Factory: start_sidecar(*args, client_kwargs=None) -> Sidecar, stopped
    at session end; `client_kwargs` go to every Client of that server."""
    started: List[Sidecar] = []

    def start(*args: str, client_kwargs: Optional[dict] = None) -> Sidecar:
        server = Sidecar(sidecar_binary, tmp_path_factory.mktemp("sidecar"), args,
                         client_kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(start_sidecar) -> Sidecar:
    """The shared server of most tests."""
    return start_sidecar("--max-jobs", "4", "--memory-budget", "512MiB")


@pytest.fixture(scope="session")
def client(server) -> Client:
    with server.client() as c:
        yield c


def read_edge_list(path: Path):
    sources, targets = [], []
    for line in path.read_text().splitlines():
        fields = line.split()
        if not fields or fields[0].startswith(("#", "%")):
            continue
        sources.append(int(fields[0]))
        targets.append(int(fields[1]))
    return np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64)


@pytest.fixture(scope="session")
def karate_path() -> Path:
    """The karate club edge list (1-based ids, one "source target" a line)."""
    if not KARATE.is_file():
        pytest.skip(f"karate dataset not found at {KARATE}")
    return KARATE


@pytest.fixture(scope="session")
def karate(karate_path):
    """Karate club edges: (sources, targets) int64 arrays."""
    return read_edge_list(karate_path)


@pytest.fixture(scope="session")
def karate_snapshot(client, karate):
    return client.upload_graph(*karate, name="karate")


@pytest.fixture(scope="session")
def karate_job(client, karate_snapshot):
    """A SUCCEEDED deterministic job on karate with the SMALL settings."""
    return client.run_job(karate_snapshot.snapshot_id, deterministic=True,
                          concurrency=1, **SMALL)


@pytest.fixture(scope="session")
def karate_vectors(client, karate_job):
    return client.fetch_embeddings(karate_job.job_id)


def _random_graph(nodes: int, edges: int, seed: int = 1):
    """Random edges over ids 0..nodes-1: (sources, targets) int64 arrays
    without self loops (a pair may repeat)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, nodes, size=edges, dtype=np.int64)
    dst = rng.integers(0, nodes, size=edges, dtype=np.int64)
    keep = src != dst
    return src[keep], dst[keep]


@pytest.fixture(scope="session")
def random_graph():
    """Factory: random_graph(nodes, edges, seed=1) -> (sources, targets)."""
    return _random_graph


def _planted_partition(nodes: int = 300, blocks: int = 3, p_in: float = 0.1,
                       p_out: float = 0.005, seed: int = 11):
    """A planted-partition graph over ids 0..nodes-1: node v is in block
    v * blocks // nodes; each pair is an edge with probability p_in inside a
    block and p_out across. (sources, targets) int64 arrays, source < target,
    each pair once."""
    rng = np.random.default_rng(seed)
    block = np.arange(nodes) * blocks // nodes
    src, dst = np.triu_indices(nodes, 1)
    p = np.where(block[src] == block[dst], p_in, p_out)
    keep = rng.random(src.shape[0]) < p
    return src[keep].astype(np.int64), dst[keep].astype(np.int64)


@pytest.fixture(scope="session")
def planted_partition():
    """Factory: planted_partition(nodes=300, blocks=3, p_in=0.1, p_out=0.005,
    seed=11) -> (sources, targets)."""
    return _planted_partition


@pytest.fixture
def small():
    """A copy of the SMALL node2vec settings."""
    return dict(SMALL)
