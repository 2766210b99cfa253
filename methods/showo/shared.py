"""What every method on the Show-o backbone has in common, whatever it learns."""

from __future__ import annotations

from typing import Any


class ShowoBacked:
    """Mixin for methods whose parameters ``self.p`` carry ``config`` and ``device``.

    Gives the Ray resources of one unit and the caveat that random-weight configurations put in
    every result (see ``methods.showo.config``).
    """

    p: Any
    # answer(..., flip=) flips the test image after the published resize + centre crop, so the
    # legacy runner hands over its flip decision instead of mirroring the uncropped image.
    flips_after_crop = True
    # Items the runner hands to answer_batch / generate_batch at once (--batch-size overrides);
    # answer_batch takes ``flips=`` (one per image) for the same reason answer takes ``flip=``.
    default_batch_size = 8

    @property
    def random_weights(self) -> bool:
        """True for offline configs: the backbone is random and scores mean nothing."""
        from methods.showo.config import resolve_config

        return not resolve_config(self.p.config).is_published

    @property
    def resources(self) -> dict[str, float]:
        """Ray resources of one unit (``--executor ray``); see ``unit_resources``."""
        from methods.showo.config import unit_resources

        return unit_resources(self.p.config, self.p.device)

    def caveat(self) -> str | None:
        """Said in every result of a random-weight configuration: its numbers mean nothing."""
        from methods.showo.config import random_weights_caveat

        return random_weights_caveat(self.p.config)
