"""Janus-Pro backbone (transformers' implementation) shared by the methods built on it.

Import the pieces from their modules (``methods.janus.backbone.JanusBackbone``,
``methods.janus.config.resolve_spec``...); this package itself imports nothing heavy.
"""
