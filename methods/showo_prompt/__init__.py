"""Show-o + prompt baseline: ``methods.showo_prompt:ShowoPrompt``; see README.md in this folder."""

from methods.showo_prompt.method import ProfileState, ShowoPrompt

__all__ = ["ProfileState", "ShowoPrompt"]
