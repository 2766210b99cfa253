"""What every method on the Janus-Pro backbone has in common, whatever it learns."""

from __future__ import annotations

from typing import Any


class JanusBacked:
    """Mixin for methods whose parameters ``self.p`` carry ``config``, ``repo`` and ``device``.

    Gives the Ray resources of one unit and the caveat that random-weight configurations put in
    every result (see ``methods.janus.config``).
    """

    p: Any

    @property
    def random_weights(self) -> bool:
        """True for offline configs: the backbone is random and scores mean nothing."""
        from methods.janus.config import resolve_spec

        return not resolve_spec(self.p.config).is_published

    @property
    def resources(self) -> dict[str, float]:
        """Ray resources of one unit (``--executor ray``)."""
        from methods.janus.config import unit_resources

        return unit_resources(self.p.config, self.p.device)

    def caveat(self) -> str | None:
        """Said in every result of a random-weight configuration: its numbers mean nothing."""
        from methods.janus.config import random_weights_caveat

        return random_weights_caveat(self.p.config)
