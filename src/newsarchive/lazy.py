"""Package attributes imported on first use (PEP 562).

A package such as `newsarchive.collect` re-exports names from its modules; importing
them all at once would make every command pay for the stage's libraries (httpx, numpy,
the embedding model) as soon as the composition root imports `<package>.schema`. A
package lists where each name lives and installs `__getattr__ = exports(__name__, WHERE)`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """The module-level `__getattr__` of `package`: `where` maps an exported name to the
    module that defines it; the value is kept on the package after the first use."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
