"""newsarchive: collect, archive, search and republish Chinese-language journalism."""

__version__ = "0.1.0"
