"""The web app and REST API (`newsarchive serve`)."""

from newsarchive.web.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
