"""The bottom layer: what every stage shares and nothing in it depends on a stage.

``device`` (which torch device a stage runs on), ``allocator`` (freed CPU memory kept while timing), ``jsonio``
(atomic JSON results), ``provenance`` (commit, versions and spec hash stamped into results), ``specs`` (a stage's
input as one JSON object of its config's fields), ``errors`` (the user errors the command line reports without a
traceback). Modules here import nothing else from ``msnet``.
"""
