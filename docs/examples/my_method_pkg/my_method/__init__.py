"""my-method: an example UnifyBench method package (see method.py)."""

__version__ = "0.1.0"
