"""``no-personalization``: the floor; answers and draws without knowing the concept."""

from methods.no_personalization.method import NoPersonalization, NoPersonalizationState

__all__ = ["NoPersonalization", "NoPersonalizationState"]
