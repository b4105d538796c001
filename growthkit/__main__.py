"""``python -m growthkit``: run the main job on the bundled CDNOW data or a user's log."""

from __future__ import annotations

import sys

from growthkit._cli import main

if __name__ == "__main__":
    sys.exit(main())
