"""Credentials and the kaggle API client, with one clear error when credentials are missing.

The kaggle package authenticates when it is imported and prints a long help text on failure;
here that happens only inside :func:`kaggle_api`, whose failure is one ``CredentialsError``
naming the places the client looks in. Credential values are never logged or written.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class CredentialsError(RuntimeError):
    """No Kaggle credentials where the kaggle client looks for them."""


def config_dir(env: Mapping[str, str] | None = None, home: str | Path | None = None) -> Path:
    """Where the kaggle client reads kaggle.json: $KAGGLE_CONFIG_DIR, else ~/.kaggle (or
    $XDG_CONFIG_HOME/kaggle on Linux when ~/.kaggle does not exist), as kaggle 2.x does."""
    env = os.environ if env is None else env
    if env.get("KAGGLE_CONFIG_DIR"):
        return Path(env["KAGGLE_CONFIG_DIR"])
    home = Path(home) if home is not None else Path(env.get("HOME") or Path.home())
    legacy = home / ".kaggle"
    if legacy.exists():
        return legacy
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "kaggle"


def missing_credentials_message(env: Mapping[str, str] | None = None) -> str:
    where = config_dir(env)
    return (
        "Kaggle credentials not found. Create an API token at https://www.kaggle.com/settings/api "
        "and put it in one of: (1) the environment variables KAGGLE_USERNAME and KAGGLE_KEY; "
        f'(2) {where / "kaggle.json"} as {{"username": ..., "key": ...}} (chmod 600; set '
        "KAGGLE_CONFIG_DIR to use another directory); (3) KAGGLE_API_TOKEN or "
        "~/.kaggle/access_token for a new-style token."
    )


def has_credentials(env: Mapping[str, str] | None = None) -> bool:
    """True when one of the client's credential sources is present (not whether it is valid)."""
    env = os.environ if env is None else env
    if env.get("KAGGLE_USERNAME") and env.get("KAGGLE_KEY") or env.get("KAGGLE_API_TOKEN"):
        return True
    home = Path(env.get("HOME") or Path.home())
    files = [config_dir(env) / "kaggle.json", home / ".kaggle" / "access_token"]
    return any(f.is_file() for f in files)


def kaggle_api() -> Any:
    """An authenticated ``KaggleApi``; ``CredentialsError`` when there are no credentials."""
    if not has_credentials():
        raise CredentialsError(missing_credentials_message())
    # The package authenticates (and may print help) on import: keep its chatter off stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        from kaggle.api.kaggle_api_extended import KaggleApi

        api = KaggleApi()
        try:
            api.authenticate()
        except SystemExit:
            raise CredentialsError(missing_credentials_message()) from None
    return api
