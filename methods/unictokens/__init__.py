"""UniCTokens (arXiv 2505.14671): unified concept tokens on a Show-o backbone.

``methods.unictokens:UniCTokens`` is the method class; see README.md in this folder.
"""

from methods.unictokens.method import UniCTokens, UniCTokensState

__all__ = ["UniCTokens", "UniCTokensState"]
