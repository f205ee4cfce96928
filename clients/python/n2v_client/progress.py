"""A one-line text progress bar for watched jobs (written to stderr)."""

from __future__ import annotations

import sys
from typing import Optional, TextIO

from .models import JobPhase, JobProgress, JobState

BAR_WIDTH = 30


def _si(value: float) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.1f}{suffix}"
    return f"{value:.0f}"


def format_progress(p: JobProgress, width: int = BAR_WIDTH) -> str:
    """The bar's text for one report, e.g.
    "[##########--------------------]  33.3% TRAINING epoch 1 1.2M nodes/s eta 4s"."""
    fraction = min(max(p.overall_fraction, 0.0), 1.0)
    filled = int(round(fraction * width))
    parts = [f"[{'#' * filled}{'-' * (width - filled)}] {fraction * 100:5.1f}%"]
    if p.state.is_final or p.state == JobState.QUEUED:
        parts.append(p.state.name)
    elif p.phase != JobPhase.UNSPECIFIED:
        parts.append(p.phase.name)
    if p.phase == JobPhase.TRAINING and not p.state.is_final:
        parts.append(f"epoch {p.epoch}")
    if p.nodes_per_second > 0 and not p.state.is_final:
        parts.append(f"{_si(p.nodes_per_second)} nodes/s")
    if p.eta_seconds > 0 and not p.state.is_final:
        parts.append(f"eta {p.eta_seconds:.0f}s")
    if p.state.is_final:
        parts.append(f"{p.elapsed_seconds:.1f}s")
    return " ".join(parts)


class ProgressBar:
    """Redraws one line per report; ends the line on a final state."""

    def __init__(self, stream: Optional[TextIO] = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._last_len = 0

    def __call__(self, p: JobProgress) -> None:
        text = format_progress(p)
        pad = " " * max(0, self._last_len - len(text))
        self._stream.write(f"\r{text}{pad}")
        self._last_len = len(text)
        if p.state.is_final:
            self._stream.write("\n")
            self._last_len = 0
        self._stream.flush()
