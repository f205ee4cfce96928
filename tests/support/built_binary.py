"""The built n2v executables the Python suites run, named by environment
variables that ctest sets (N2V_BIN, N2V_SIDECAR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def built_binary(variable: str, target: str, build_path: str, suite: str) -> Path:
    """The executable named by `variable`. Fails the test, saying how to
    build CMake target `target` (at `build_path` in build/) and run `suite`
    by hand, when the variable is unset or names no executable file."""
    value = os.environ.get(variable)
    if not value:
        pytest.fail(
            f"{variable} is not set: point it at the built {target}, e.g. from the "
            f"repository root: cmake -S . -B build -G Ninja && ninja -C build {target} && "
            f"{variable}={build_path} python3 -m pytest -q {suite} "
            f"(ctest sets {variable} itself)", pytrace=False)
    path = Path(value).resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{variable}={value} is not an executable file (resolved to {path}); "
                    f"build it with ninja -C <build dir> {target}", pytrace=False)
    return path
