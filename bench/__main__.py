"""`python -m bench` runs every benchmark and updates docs/performance.md (see bench/run_all.py)."""

import sys

from bench.run_all import main

sys.exit(main())
