"""Server process: health, reflection, shutdown on SIGTERM, its port file."""

import subprocess

import grpc
import pytest


def test_health_is_serving(client):
    assert client.health() == "SERVING"


def test_reflection_lists_the_services_and_describes_n2v(server):
    pytest.importorskip("grpc_reflection", reason="grpcio-reflection is not installed")
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase)

    with grpc.insecure_channel(server.target) as channel:
        db = ProtoReflectionDescriptorDatabase(channel)
        services = set(db.get_services())
        assert {"n2v.v1.N2v", "grpc.health.v1.Health"} <= services
        proto = db.FindFileContainingSymbol("n2v.v1.N2v")
        assert proto.name == "n2v/v1/n2v.proto"
        assert "Embed" in {m.name for m in proto.service[0].method}


def test_sigterm_stops_an_idle_server_promptly_and_cleanly(start_sidecar):
    # With an hour of grace, exiting 0 before stop() turns to SIGKILL (after
    # STOP_TIMEOUT_S) shows that an idle server does not wait for the grace.
    server = start_sidecar("--grace", "1h")
    code = server.stop()
    assert code == 0, server.log()


def test_a_port_file_that_cannot_be_written_stops_the_server(sidecar_binary, tmp_path):
    """A script waiting for --port-file must not wait for ever: the server
    says why and exits, and leaves no temporary file behind."""
    missing = tmp_path / "no" / "such" / "folder" / "port"
    run = subprocess.run([str(sidecar_binary), "--listen", "127.0.0.1:0",
                          "--port-file", str(missing)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines()[-1] == (
        f"n2v-sidecar: error: --port-file: cannot write '{missing}': "
        "No such file or directory")
    assert list(tmp_path.iterdir()) == []
