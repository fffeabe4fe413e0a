"""`python -m invoicery` runs the operator command."""

import sys

from invoicery.cli import main

sys.exit(main())
