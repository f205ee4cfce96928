"""Runs one pytest suite as one ctest entry, with its skips made visible.

usage: run_pytest.py [--skips-fail] PYTEST_ARGUMENTS...

Runs pytest quietly with the reasons of every skip, failure and error
(-rfEs), then prints one last line, "N passed, N failed, N skipped".

Exit status: pytest's own when a test failed or none ran; 0 when all
passed; SKIPPED_EXIT_CODE when all that ran passed but some were skipped
(ctest's SKIP_RETURN_CODE for the entry, so ctest lists the suite as
skipped instead of passed); 1 instead with --skips-fail, which CI uses,
where everything a test needs is installed and a skip is a failure.
"""

from __future__ import annotations

import sys
from typing import List

import pytest

SKIPPED_EXIT_CODE = 77


class OutcomeCounter:
    """A pytest plugin that counts tests by outcome, as the terminal does."""

    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0

    def pytest_terminal_summary(self, terminalreporter) -> None:
        stats = terminalreporter.stats
        self.passed = len(stats.get("passed", []))
        self.failed = len(stats.get("failed", [])) + len(stats.get("error", []))
        self.skipped = len(stats.get("skipped", []))


def main(argv: List[str]) -> int:
    skips_fail = bool(argv) and argv[0] == "--skips-fail"
    if skips_fail:
        argv = argv[1:]
    counter = OutcomeCounter()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "-rfEs", *argv], plugins=[counter])
    print(f"{counter.passed} passed, {counter.failed} failed, {counter.skipped} skipped")
    sys.stdout.flush()
    if code != pytest.ExitCode.OK or counter.failed:
        return int(code) or 1
    if counter.skipped:
        if skips_fail:
            print("a skip fails this suite under CI: install what the reasons above name "
                  "(scripts/install_deps.sh)")
            return 1
        return SKIPPED_EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
