"""Scorers: every UnifyBench metric, in a ``legacy`` and a ``v2`` variant where they differ.

Only light names are exported here (no torch, no open_clip): heavy scorers live in their own
modules and import their dependencies when constructed. Use
:func:`unifybench.scorers.registry.build_scorers` to get the scorers of a run.
"""

from unifybench.scorers.bleu import bleu_char

__all__ = ["bleu_char"]
