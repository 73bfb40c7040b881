"""The project's settings with one password hasher chosen by the benchmark (PASSWORD_HASHER)."""

import os

from config.settings import *  # noqa: F403 - the benchmark measures the real settings
from config.settings import PASSWORD_HASHERS as _PROJECT_HASHERS

PASSWORD_HASHERS = [os.environ.get("PASSWORD_HASHER", _PROJECT_HASHERS[0])]
