"""`python -m presswatch` is the `presswatch` command."""

import sys

from presswatch.cli.main import main

sys.exit(main())
