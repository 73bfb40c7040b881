"""The org chart's CSV tables (the sign-up survey's): every malformed line is reported
with its number and reason."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from eoffice import org_chart_csv as survey
from tests import onboarding


def problems(call: object, *args: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return refused.value.messages


def offices(text: str) -> list[dict[str, str]]:
    return survey.check_offices(survey.parse(survey.OFFICES, text))


def posts(text: str, codes: frozenset[str] = frozenset({"SECY", "ADMIN"})) -> list[dict[str, str]]:
    return survey.check_posts(survey.parse(survey.POSTS, text), office_codes=set(codes))


def test_the_sample_survey_is_valid() -> None:
    assert [row["code"] for row in offices(onboarding.OFFICES_CSV)] == ["SECY", "ADMIN", "BUDGET"]
    parsed = posts(onboarding.POSTS_CSV, frozenset({"SECY", "ADMIN", "BUDGET"}))
    assert parsed[2] == {
        "abbreviation": "SO(Budget)",
        "designation": "Section Officer (Budget)",
        "office_code": "BUDGET",
        "reports_to": "AS(Admin)",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "The table is empty"),
        (
            "code,title\nA,B\n",
            "Line 1: the columns must be code,name,parent_code (missing name; unknown title)",
        ),
        ("code,name,code\nA,B,C\n", "repeated code"),
        ("code,name,parent_code\nA,Alpha\n", "Line 2: expected 3 values"),
        ("code,name,parent_code\n,Alpha,\n", "Line 2: “code” is empty."),
        ("code,name,parent_code\nA,,\n", "Line 2: “name” is empty."),
        (
            "code,name,parent_code\nA,Alpha,\nA,Again,\n",
            "Line 3: Office code “A” is already on line 2.",
        ),
        ("code,name,parent_code\nA,Alpha,ZZ\n", "Line 2: parent office “ZZ” is not in the list"),
        ("code,name,parent_code\nA,Alpha,A\n", "Line 2: office “A” cannot be its own parent."),
        ("code,name,parent_code\nA,Alpha,B\nB,Beta,A\n", "Line 2: Office “A” is above itself"),
        ("code,name,parent_code\n#A!,Alpha,\n", "Line 2: office code “#A!” may hold"),
        (f"code,name,parent_code\n{'A' * 31},Alpha,\n", "“code” is longer than 30"),
        ('code,name,parent_code\nA,"unterminated\n', "not valid CSV"),
        ("code,name,parent_code\n", "List at least one office."),
    ],
)
def test_office_problems_are_reported_by_line(text: str, expected: str) -> None:
    assert any(expected in message for message in problems(offices, text)), problems(offices, text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("X,Director,NOWHERE,", "office “NOWHERE” is not among the offices"),
        ("X,Director,SECY,X", "post “X” cannot report to itself."),
        ("X,Director,SECY,BOSS", "“BOSS” (reports to) is not in the list of posts."),
        (",Director,SECY,", "“abbreviation” is empty."),
        ("X,,SECY,", "“designation” is empty."),
        ("X,Director,,", "“office_code” is empty."),
        ("SECY,Again,SECY,", "Post “SECY” is already on line 2."),
    ],
)
def test_post_problems_are_reported_by_line(line: str, expected: str) -> None:
    text = f"abbreviation,designation,office_code,reports_to\nSECY,Secretary,SECY,\n{line}\n"
    messages = problems(posts, text)
    assert any(f"Line 3: {expected}" in message for message in messages), messages


def test_a_reporting_loop_is_refused() -> None:
    text = "abbreviation,designation,office_code,reports_to\nA,a,SECY,B\nB,b,SECY,A\n"
    assert "Line 2: Post “A” is above itself (a loop)." in problems(posts, text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Bad Mail,not-an-email,SECY", "“not-an-email” is not an e-mail address."),
        ("Lost,lost@gb.example,NOPE", "post “NOPE” is not in the list of posts."),
        ("Twin,SANA@gb.example,ADMIN", "E-mail “SANA@gb.example” is already on line 2."),
        ("Second,second@gb.example,SECY", "Post “SECY” is already on line 2."),
        (",nameless@gb.example,ADMIN", "“full_name” is empty."),
    ],
)
def test_officer_problems_are_reported_by_line(line: str, expected: str) -> None:
    text = f"full_name,email,post\nSana,sana@gb.example,SECY\n{line}\n"
    parsed = survey.parse(survey.OFFICERS, text) if "is empty" not in expected else None
    if parsed is None:
        messages = problems(survey.parse, survey.OFFICERS, text)
    else:
        messages = problems(survey.check_officers, parsed, posts={"SECY", "ADMIN"})
    assert any(f"Line 3: {expected}" in message for message in messages), messages


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SECY,NOPE", "to_post “NOPE” is not in the list of posts."),
        ("SECY,SECY", "post “SECY” cannot send work to itself."),
        ("ADMIN,SECY", "this channel is already on line 2."),
    ],
)
def test_channel_problems_are_reported_by_line(line: str, expected: str) -> None:
    text = f"from_post,to_post\nADMIN,SECY\n{line}\n"
    messages = problems(
        survey.check_channels, survey.parse(survey.CHANNELS, text), posts={"SECY", "ADMIN"}
    )
    assert any(f"Line 3: {expected}" in message for message in messages), messages


def test_uploads_must_be_utf8_and_small() -> None:
    assert survey.decode_upload("\ufeffcode,name\n".encode()) == "code,name\n"
    assert "not UTF-8" in problems(survey.decode_upload, "naïve".encode("latin-1"))[0]
    assert "larger than" in problems(survey.decode_upload, b"x" * (survey.MAX_BYTES + 1))[0]


def test_too_many_rows_are_refused() -> None:
    text = "code,name,parent_code\n" + "".join(f"O{i},Office {i},\n" for i in range(5001))
    assert any("More than 5000 rows" in m for m in problems(survey.parse, survey.OFFICES, text))


def test_templates_have_the_columns_and_valid_examples() -> None:
    for table in survey.TABLES.values():
        rows = survey.parse(table, table.template_csv())
        assert rows and list(rows[0].values) == list(table.columns)
    assert offices(survey.OFFICES.template_csv())
