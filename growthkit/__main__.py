"""``python -m growthkit``: run the main job on the bundled CDNOW data or a user's log."""

from __future__ import annotations

import sys

from growthkit._cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: the reader left, not an error
        sys.stderr.close()
        sys.exit(0)
