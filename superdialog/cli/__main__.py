"""``python -m superdialog.cli``: the ``superdialog`` command."""

import sys

from superdialog.cli.main import main

sys.exit(main())
