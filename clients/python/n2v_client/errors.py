"""Exceptions of the n2v client.

Every failed RPC surfaces as an `N2vError` (or one of its per-code
subclasses) carrying the gRPC status code and the server's message;
str(error) is "<CODE>: <message>", e.g. "NOT_FOUND: job 'j-42' not found".

A job that ends FAILED or CANCELLED while being watched raises
`N2vJobFailed` / `N2vJobCancelled` (both `N2vJobError`), which carry the
final `Job`. They are not RPC errors and so are not N2vError subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Type

import grpc

if TYPE_CHECKING:  # pragma: no cover
    from .models import Job


class N2vError(Exception):
    """A failed RPC: the gRPC status code and the server's message."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code.name}, {self.message!r})"


class Cancelled(N2vError):
    """CANCELLED: the call was cancelled (usually by the client)."""


class InvalidArgument(N2vError):
    """INVALID_ARGUMENT: a field has a bad value (the message names it)."""


class DeadlineExceeded(N2vError):
    """DEADLINE_EXCEEDED: the call ran past its timeout."""


class NotFound(N2vError):
    """NOT_FOUND: no snapshot, job or node with that id (the message names it)."""


class AlreadyExists(N2vError):
    """ALREADY_EXISTS."""


class PermissionDenied(N2vError):
    """PERMISSION_DENIED."""


class ResourceExhausted(N2vError):
    """RESOURCE_EXHAUSTED: over the server's memory budget or job slots."""


class FailedPrecondition(N2vError):
    """FAILED_PRECONDITION: e.g. results asked for before the job succeeded."""


class Aborted(N2vError):
    """ABORTED."""


class Unimplemented(N2vError):
    """UNIMPLEMENTED: the server does not offer this method."""


class Internal(N2vError):
    """INTERNAL: a server-side failure."""


class Unavailable(N2vError):
    """UNAVAILABLE: the server cannot be reached or the connection broke."""


class Unauthenticated(N2vError):
    """UNAUTHENTICATED: missing or invalid bearer token."""


_BY_CODE: Dict[grpc.StatusCode, Type[N2vError]] = {
    grpc.StatusCode.CANCELLED: Cancelled,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
    grpc.StatusCode.INTERNAL: Internal,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}


def error_for(code: grpc.StatusCode, message: str) -> N2vError:
    """The N2vError subclass instance for `code` (N2vError itself for codes
    without a subclass, e.g. UNKNOWN)."""
    return _BY_CODE.get(code, N2vError)(code, message)


def from_rpc_error(error: grpc.RpcError) -> N2vError:
    """Converts a grpc.RpcError (a failed call) into an N2vError."""
    code: Optional[grpc.StatusCode] = None
    message = ""
    code_fn = getattr(error, "code", None)
    details_fn = getattr(error, "details", None)
    if callable(code_fn):
        code = code_fn()
    if callable(details_fn):
        message = details_fn() or ""
    if not isinstance(code, grpc.StatusCode):
        code = grpc.StatusCode.UNKNOWN
        message = message or str(error)
    return error_for(code, message)


class N2vJobError(Exception):
    """A watched job ended without vectors; `job` is its final state."""

    def __init__(self, job: "Job", message: str) -> None:
        super().__init__(message)
        self.job = job
        self.message = message

    def __str__(self) -> str:
        return self.message


class N2vJobFailed(N2vJobError):
    """The job ended FAILED; the message is the server's reason."""


class N2vJobCancelled(N2vJobError):
    """The job ended CANCELLED."""
