"""UnifyBench: evaluation harness and leaderboard for personalized unified models."""

__version__ = "0.1.0"
