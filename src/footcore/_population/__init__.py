"""Population work, an outer layer: athletes' whole histories read from where they live and
replayed under two rulebooks, here, on local processes or on a Dask cluster.

The core never imports this package; its public names are in :mod:`footcore.impact`.
"""

__all__: list[str] = []
