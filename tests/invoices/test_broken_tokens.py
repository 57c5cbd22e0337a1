"""A token opened and never closed, or closed and never opened, is found (the product form
refuses it); brackets and percent signs of their own are words."""

import pytest

from invoices.tokens import broken_tokens, token_example


@pytest.mark.parametrize(("template", "broken"), [
    ("Album for [% contact.first_name", [("[% contact.first_name", "closed")]),
    ("Album for [%contact.first_name  and more", [("[%contact.first_name and more", "closed")]),
    ("For [% contact.first_name %] and [% contact.last_name",
     [("[% contact.last_name", "closed")]),
    ("Album for contact.first_name %]", [("contact.first_name %]", "opened")]),
    ("Album [% contact.first_name ] %]",
     [("[% contact.first_name ]", "closed"), ("] %]", "opened")]),
    ("[% contact.first_name %][% account.name %]", []),
    ("Prints [A4] at 20% off", []),
    ("100%] sure", [("100%]", "opened")]),
])
def test_broken_tokens_are_found_in_order(template, broken):
    assert broken_tokens(template) == broken


def test_the_example_is_the_token_that_was_meant_when_it_is_known():
    assert token_example("[% contact.company") == "[% contact.company %]"
    assert token_example("[% nickname") == "[% contact.first_name %]"
