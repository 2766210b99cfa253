"""Show-o backbone shared by the methods built on it (UniCTokens, Show-o + prompt).

Import the pieces from their modules (``methods.showo.backbone.ShowoBackbone``,
``methods.showo.config.tiny``...); this package itself imports nothing heavy.
"""
