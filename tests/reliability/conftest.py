"""Settings for the reliability suite.

The fuzz tests run a modest number of examples in the normal suite (the whole folder
stays well under two minutes on two busy cores). `NEWSARCHIVE_FUZZ=deep` runs each of
them twenty times longer, with random seeds and shrinking, for hunting rather than
guarding:

    NEWSARCHIVE_FUZZ=deep .venv/bin/python -m pytest tests/reliability -k fuzz --timeout 0
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

# deadline=None: a shared 2-core machine makes per-example timings meaningless; what
# an input may cost is checked by the tests themselves (memory) and by the caps the
# code enforces. database=None: no .hypothesis/ folder in the repository; a failure
# prints its input and a `@reproduce_failure` blob instead.
# derandomize: the guard runs the same examples every time, so it never fails on a
# rare input found by luck (hunting is what `deep` is for). No shrinking: on these
# documents it can take Hypothesis five minutes, and the unshrunk input is a reproducer.
settings.register_profile(
    "guard",
    deadline=None,
    database=None,
    print_blob=True,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate, Phase.target],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    parent=settings.get_profile("guard"),
    derandomize=False,
    phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
)
settings.load_profile("deep" if os.environ.get("NEWSARCHIVE_FUZZ") == "deep" else "guard")
