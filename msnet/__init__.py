"""msnet-repro: a reproducibility harness for Motion Squeeze (MSNet, ECCV 2020).

Public entry points: :func:`create_model`, :func:`list_models` and the cost counters
in :mod:`msnet.measure`. Everything else is reached through ``python -m msnet``.
The package imports torch only when a model is built, so the workflow's parse-time checks stay cheap.
"""

__all__ = ["create_model", "list_models"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in __all__:
        from msnet.models import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'msnet' has no attribute {name!r}")
