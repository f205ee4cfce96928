"""TLS and mutual TLS (certificates made with the openssl command line)."""

import shutil
import subprocess

import pytest

from n2v_client import Client, Unavailable


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _issue(name, cwd, ext):
    """A key and a certificate for `name`, signed by the test CA."""
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=cwd)
    (cwd / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.pem",
             "-extfile", f"{name}.ext", cwd=cwd)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not available")
    d = tmp_path_factory.mktemp("certs")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=n2v test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _issue("server", d, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                        "extendedKeyUsage=serverAuth\n")
    _issue("client", d, "extendedKeyUsage=clientAuth\n")
    return d


def test_tls_server(start_sidecar, certs):
    server = start_sidecar("--tls-cert", str(certs / "server.pem"),
                           "--tls-key", str(certs / "server.key"),
                           client_kwargs=dict(root_certificates=certs / "ca.pem"))
    with Client(server.target, root_certificates=certs / "ca.pem", timeout=10) as c:
        assert c.health() == "SERVING"
        assert c.upload_graph([1, 2], [2, 3]).nodes == 3
    # PEM bytes work as well as paths.
    with Client(server.target, root_certificates=(certs / "ca.pem").read_bytes(),
                timeout=10) as c:
        assert c.list_snapshots()
    with Client(server.target, timeout=120) as plain:
        with pytest.raises(Unavailable):
            plain.list_snapshots()


def test_mutual_tls_server(start_sidecar, certs):
    server = start_sidecar("--tls-cert", str(certs / "server.pem"),
                           "--tls-key", str(certs / "server.key"),
                           "--tls-client-ca", str(certs / "ca.pem"),
                           client_kwargs=dict(root_certificates=certs / "ca.pem",
                                              private_key=certs / "client.key",
                                              certificate_chain=certs / "client.pem"))
    with Client(server.target, root_certificates=certs / "ca.pem",
                private_key=certs / "client.key", certificate_chain=certs / "client.pem",
                timeout=10) as c:
        assert c.health() == "SERVING"
        assert c.list_jobs() == []
    with Client(server.target, root_certificates=certs / "ca.pem", timeout=120) as anonymous:
        with pytest.raises(Unavailable):
            anonymous.list_jobs()
