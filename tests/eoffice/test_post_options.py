"""The forward select's options: every post but the holder's, labels escaped."""

from django.template import engines

from eoffice.templatetags.eoffice_options import post_options


def test_every_post_but_the_excluded_one_with_labels_escaped() -> None:
    choices = [(1, "SO(Admin) · Section Officer"), (2, "<script>x</script> & co"), (3, "DS")]
    html = str(post_options(choices, exclude=3))
    assert html == (
        '<option value="1">SO(Admin) · Section Officer</option>'
        '<option value="2">&lt;script&gt;x&lt;/script&gt; &amp; co</option>'
    )
    assert str(post_options(choices)).count("<option") == 3


def test_the_tag_in_a_template_matches_the_loop_it_replaced() -> None:
    engine = engines["django"]
    choices = [(pk, f"P{pk} · <Post> {pk}") for pk in range(1, 250)]
    context = {"choices": choices, "holder": 7}
    loop = engine.from_string(
        "{% for pk, label in choices %}{% if pk != holder %}"
        '<option value="{{ pk }}">{{ label }}</option>{% endif %}{% endfor %}'
    ).render(context)
    tag = engine.from_string(
        "{% load eoffice_options %}{% post_options choices exclude=holder %}"
    ).render(context)
    assert tag == loop and 'value="7"' not in tag


def test_a_changed_org_chart_is_listed_as_it_now_is() -> None:
    """The options are remembered by the choices themselves: a renamed post is a new list."""
    before = [(1, "SO(Admin) · Section Officer"), (2, "DS · Deputy Secretary")]
    after = [(1, "SO(Admin) · Section Officer (Admin)"), (2, "DS · Deputy Secretary")]
    assert "Section Officer</option>" in str(post_options(before))
    assert "Section Officer (Admin)</option>" in str(post_options(after))
    assert "Section Officer</option>" in str(post_options(before))
