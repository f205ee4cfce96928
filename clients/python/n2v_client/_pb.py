"""The generated protobuf and gRPC modules of n2v.v1.

Importing this module makes sure the stubs exist (in a source checkout
they are generated from proto/n2v/v1/n2v.proto on first import, see
_protogen.ensure_generated) and re-exports them as `pb` (messages) and
`pb_grpc` (the N2vStub service stub).
"""

from pathlib import Path

from ._protogen import ensure_generated

ensure_generated(Path(__file__).resolve().parent)

from ._gen.n2v.v1 import n2v_pb2 as pb  # noqa: E402
from ._gen.n2v.v1 import n2v_pb2_grpc as pb_grpc  # noqa: E402

__all__ = ["pb", "pb_grpc"]
