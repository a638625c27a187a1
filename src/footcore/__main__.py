"""``python -m footcore``: the ``footcore`` command."""

from ._cli import main

raise SystemExit(main())
