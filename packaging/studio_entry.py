"""Entry script of the bundled studio (PyInstaller): worker-process support, then the studio.

A frozen executable re-launches itself for each spawned worker process (every pipeline stage
runs in one), so ``freeze_support`` must run before anything else.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.main import main

    sys.exit(main())
