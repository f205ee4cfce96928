"""Keyword arguments -> n2v.v1.Node2VecParams.

Parameter names are the snake_case field names of Node2VecParams. A
parameter left out (or passed as None) is not sent and takes the server's
default. Values are only converted here; their ranges are checked by the
server (INVALID_ARGUMENT naming the field), except where protobuf itself
cannot hold the value (e.g. a negative count), which is a ValueError.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Dict, Mapping

from ._pb import pb

ISOLATED_NODES = {"random": pb.ISOLATED_NODES_RANDOM, "zero": pb.ISOLATED_NODES_ZERO}


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"expected an integer, got {type(value).__name__} {value!r}")
    return int(value)


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def _as_bool(value: Any) -> bool:
    if not isinstance(value, (bool, numbers.Integral)):
        raise TypeError(f"expected a bool, got {type(value).__name__} {value!r}")
    return bool(value)


EMBEDDING_INITIALIZERS = {"normalized": pb.EMBEDDING_INITIALIZER_NORMALIZED,
                          "uniform": pb.EMBEDDING_INITIALIZER_UNIFORM}


def _as_initializer(value: Any) -> int:
    if isinstance(value, str) and value.lower() in EMBEDDING_INITIALIZERS:
        return EMBEDDING_INITIALIZERS[value.lower()]
    raise ValueError(f"expected 'normalized' or 'uniform', got {value!r}")


def _as_ids(value: Any) -> list:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"expected node ids, got {type(value).__name__} {value!r}")
    return [_as_int(v) for v in value]


def _as_isolated(value: Any) -> int:
    if isinstance(value, str) and value.lower() in ISOLATED_NODES:
        return ISOLATED_NODES[value.lower()]
    raise ValueError(f"expected 'random' or 'zero', got {value!r}")


# Field name -> converter of the Python value to the field's type.
PARAM_CONVERTERS: Dict[str, Callable[[Any], Any]] = {
    "walk_length": _as_int,
    "walks_per_node": _as_int,
    "return_factor": _as_float,
    "in_out_factor": _as_float,
    "window_size": _as_int,
    "negative_sampling_rate": _as_int,
    "embedding_dimension": _as_int,
    "iterations": _as_int,
    "initial_learning_rate": _as_float,
    "min_learning_rate": _as_float,
    "random_seed": _as_int,
    "concurrency": _as_int,
    "deterministic": _as_bool,
    "positive_sampling_factor": _as_float,
    "negative_sampling_exponent": _as_float,
    "isolated_nodes": _as_isolated,
    "embedding_initializer": _as_initializer,
    "walk_buffer_size": _as_int,
    "walk_from": _as_ids,
    # Warm starts (need initial vectors uploaded with the snapshot, see
    # Client.upload_graph(initial=...)) and stable vectors across runs.
    "warm_start": _as_bool,
    "align": _as_bool,
    "incremental": _as_bool,
    "incremental_max_changed_fraction": _as_float,
    "keep_context": _as_bool,
}

PARAM_NAMES = tuple(PARAM_CONVERTERS)

# The parameters that only make sense with a snapshot carrying initial
# vectors or with a later FetchEmbeddings(context=True); the command line,
# which does neither, offers no flags for them.
WARM_START_PARAMS = ("warm_start", "align", "incremental",
                     "incremental_max_changed_fraction", "keep_context")


def check_param_names(params: Mapping[str, Any], where: str) -> None:
    """Raises TypeError naming the first keyword that is not a parameter."""
    for name in params:
        if name not in PARAM_CONVERTERS:
            raise TypeError(
                f"{where}() got an unexpected keyword argument '{name}' "
                f"(node2vec parameters: {', '.join(PARAM_NAMES)})")


def build_params(params: Mapping[str, Any], where: str = "start_job") -> Any:
    """Returns a Node2VecParams message holding `params`.

    TypeError for an unknown name or a value of the wrong type, ValueError
    for a value the field cannot hold; both name the parameter.
    """
    check_param_names(params, where)
    msg = pb.Node2VecParams()
    for name, value in params.items():
        if value is None:
            continue
        try:
            converted = PARAM_CONVERTERS[name](value)
            if isinstance(converted, list):
                getattr(msg, name).extend(converted)
            else:
                setattr(msg, name, converted)
        except TypeError as exc:
            raise TypeError(f"{where}(): parameter {name}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{where}(): parameter {name}: {exc}") from None
    return msg
