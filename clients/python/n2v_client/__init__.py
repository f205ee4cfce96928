"""Python client of n2v-sidecar, the node2vec embedding service (n2v.v1).

    from n2v_client import Client

    with Client("127.0.0.1:50051") as client:
        snapshot = client.upload_graph(sources, targets)
        job = client.run_job(snapshot.snapshot_id, embedding_dimension=64)
        ids, vectors = client.fetch_embeddings(job.job_id)

The gRPC stubs are generated from proto/n2v/v1/n2v.proto when the package
is built (or, in a source checkout, on first import); see _protogen.py.
"""

from .client import Client, edge_operator
from .errors import (Aborted, AlreadyExists, Cancelled, DeadlineExceeded,
                     FailedPrecondition, Internal, InvalidArgument, N2vError,
                     N2vJobCancelled, N2vJobError, N2vJobFailed, NotFound,
                     PermissionDenied, ResourceExhausted, Unauthenticated,
                     Unavailable, Unimplemented)
from .models import (Drift, Estimate, Job, JobPhase, JobProgress, JobState, Params,
                     Snapshot)
from .params import PARAM_NAMES

__version__ = "0.1.0"

__all__ = [
    "Client", "edge_operator", "PARAM_NAMES",
    "Snapshot", "Job", "JobProgress", "JobState", "JobPhase", "Params", "Estimate", "Drift",
    "N2vError", "Cancelled", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted", "Unimplemented", "Internal", "Unavailable", "Unauthenticated",
    "N2vJobError", "N2vJobFailed", "N2vJobCancelled",
]
