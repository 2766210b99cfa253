"""The versioned result/submission schema shared by the runner and the leaderboard."""

from unifybench.submission.schema import (
    SCHEMA_VERSION,
    BenchmarkInfo,
    JudgeInfo,
    MethodInfo,
    MetricResult,
    Provenance,
    Submission,
)

__all__ = [
    "SCHEMA_VERSION",
    "BenchmarkInfo",
    "JudgeInfo",
    "MethodInfo",
    "MetricResult",
    "Provenance",
    "Submission",
]
