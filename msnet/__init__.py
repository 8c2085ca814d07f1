"""msnet-repro: a reproducibility harness for Motion Squeeze (MSNet, ECCV 2020).

Public entry points: :func:`create_model`, :func:`list_models` and the cost counters
in :mod:`msnet.measure`. Everything else is reached through ``python -m msnet``.
"""

from msnet.models.registry import create_model, list_models

__all__ = ["create_model", "list_models"]
__version__ = "0.1.0"
