"""Django's {# #} comments end on their own line: one that runs on to the next is printed to
the page as text. Longer comments use {% comment %}."""

from __future__ import annotations

import re

from tests.config.test_security_headers import TEMPLATE_DIRS

UNCLOSED = re.compile(r"\{#(?!.*#\})")


def test_no_template_has_a_one_line_comment_that_runs_on() -> None:
    found = [
        f"{path}:{number}"
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNCLOSED.search(line)
    ]
    assert found == []
