import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.tokens import TokenValues, has_tokens, render_tokens, unknown_tokens

ANA = TokenValues(first_name="Ana", last_name="Silva", company="Silva Bakery", account_name="GHP")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Photography Session for [% contact.first_name %]", "Photography Session for Ana"),
        ("Album for [%contact.full_name%]", "Album for Ana Silva"),
        ("[%  contact.last_name  %] family", "Silva family"),
        ("Order for [% contact.company %]", "Order for Silva Bakery"),
        ("[% account.name %] gift card", "GHP gift card"),
        ("Plain name", "Plain name"),
    ],
)
def test_tokens_render_with_or_without_spaces_inside_the_brackets(template, expected):
    assert render_tokens(template, ANA) == expected


def test_an_empty_value_leaves_no_double_space():
    no_company = TokenValues(first_name="Ben")
    assert render_tokens("Order for [% contact.company %] today", no_company) == "Order for today"


def test_full_name_of_a_contact_without_last_name_is_the_first_name():
    assert render_tokens("[% contact.full_name %]", TokenValues(first_name="Ben")) == "Ben"


def test_unknown_tokens_are_listed_in_order():
    template = "[% contact.first_name %] [% contact.nickname %] [%invoice.total%]"
    assert unknown_tokens(template) == ["contact.nickname", "invoice.total"]


def test_known_tokens_are_not_unknown():
    assert unknown_tokens("Session for [% contact.first_name %] at [%account.name%]") == []


def test_has_tokens_tells_templates_from_plain_names():
    assert has_tokens("Session for [% contact.first_name %]")
    assert not has_tokens("Session for Ana")


@given(st.text(alphabet=st.characters(blacklist_characters="[]%"), max_size=80))
def test_text_without_tokens_renders_to_itself_with_spaces_folded(text):
    assert render_tokens(text, ANA) == " ".join(text.split())
