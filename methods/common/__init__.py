"""Helpers shared by the methods in ``methods/`` (not a method itself).

A method imports its own modules, these helpers, the shared Show-o backbone (``methods.showo``)
and the method-facing parts of ``unifybench`` (records, errors, :mod:`unifybench.pretrained`);
never another method's internals and never evaluator code (judges, scorers, runner).
"""
