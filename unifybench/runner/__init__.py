"""The run pipeline: plan -> predict -> score -> aggregate, with a file boundary after each stage.

- :mod:`.plan`: methods x concepts x tasks -> items with stable ids (``bo/vqa/3``).
- :mod:`.predict`: the method's answers and images, ``predictions.jsonl`` (resumable).
- :mod:`.score`: ``scores.jsonl`` from saved predictions; never calls the method.
- :mod:`.aggregate`: ``result.json`` (the submission schema) from scores alone.
- :mod:`.provenance`, :mod:`.layout`, :mod:`.jsonl`, :mod:`.seeds`, :mod:`.lock`: the plumbing.
- :mod:`.setup`: options -> data, judges, scorers (from the task, scorer and benchmark specs).

Use it through :mod:`unifybench.api` (or the CLI verbs of the same names); the demo
(:mod:`unifybench.demo`) sits above the API.
"""
