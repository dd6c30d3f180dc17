"""What every GDS writer here shares. A GDS header records when the file was written, so each
library is written with one fixed timestamp: identical inputs give byte-identical files (a run's
determinism and the personalisation XOR rest on it)."""

from __future__ import annotations

import datetime

GDS_TIMESTAMP = datetime.datetime(2024, 1, 1)
