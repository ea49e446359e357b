"""`python -m presswatch` is the `presswatch` command."""

import sys

from presswatch.flows.cli import main

sys.exit(main())
