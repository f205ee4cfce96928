"""Bearer tokens: a server started with --token-file."""

import pytest

from n2v_client import Unauthenticated

TOKENS = ["first-token-Zq8", "second-token-7Hx"]


@pytest.fixture(scope="module")
def auth_server(start_sidecar, tmp_path_factory):
    path = tmp_path_factory.mktemp("tokens") / "tokens.txt"
    path.write_text("# bearer tokens, one per line\n" + "\n".join(TOKENS) + "\n")
    return start_sidecar("--token-file", str(path))


def test_calls_without_a_token_are_unauthenticated(auth_server, karate):
    with auth_server.client() as c:
        for call in (c.list_snapshots, c.list_jobs, lambda: c.get_job("x"),
                     lambda: c.upload_graph(*karate),
                     lambda: c.embed(*karate, embedding_dimension=8)):
            with pytest.raises(Unauthenticated, match="token"):
                call()


def test_a_wrong_token_is_unauthenticated(auth_server):
    with auth_server.client(token="not-a-token") as c:
        with pytest.raises(Unauthenticated, match="invalid bearer token"):
            c.list_snapshots()


@pytest.mark.parametrize("token", TOKENS)
def test_calls_with_a_token_succeed(auth_server, karate, small, token):
    with auth_server.client(token=token) as c:
        snap = c.upload_graph(*karate)
        job = c.run_job(snap.snapshot_id, **small)
        ids, vectors = c.fetch_embeddings(job.job_id)
        assert vectors.shape == (34, small["embedding_dimension"])
        assert snap.snapshot_id in {s.snapshot_id for s in c.list_snapshots()}


def test_health_needs_no_token(auth_server):
    with auth_server.client() as c:
        assert c.health() == "SERVING"
