"""``profile-retrieval``: MiniLM retrieval over the concept profile plus an embedding prototype."""

from methods.profile_retrieval.method import ProfileRetrieval, ProfileRetrievalState

__all__ = ["ProfileRetrieval", "ProfileRetrievalState"]
