"""``python -m footcore._cli``: the ``footcore`` command without its console script."""

from . import main

raise SystemExit(main())
