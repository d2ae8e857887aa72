"""`python -m jobs`: the job worker as `flask jobs worker` runs it, without building the app.

The supervisor only starts and restarts the consumer (`flask jobs consume`, which builds the
app); building it here too cost every start of `./dev prod` seconds of CPU. Its threads are
JOBS_WORKERS (default 2), as the app reads them.
"""

from __future__ import annotations

import sys

from jobs.cli import configured_workers, consume, supervise

if __name__ == "__main__":
    sys.exit(supervise(consume(configured_workers())))
