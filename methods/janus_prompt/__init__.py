"""Janus-Pro + prompt baselines: ``methods.janus_prompt:JanusPrompt``; see README.md here."""

from methods.janus_prompt.method import JanusPrompt, JanusPromptState

__all__ = ["JanusPrompt", "JanusPromptState"]
