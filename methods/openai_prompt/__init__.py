"""``openai-prompt``: an OpenAI-compatible API prompted with the concept profile."""

from methods.openai_prompt.method import OpenAIPrompt, OpenAIPromptState

__all__ = ["OpenAIPrompt", "OpenAIPromptState"]
