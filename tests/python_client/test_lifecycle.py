"""Server process: health, reflection, shutdown on SIGTERM."""

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
