"""The pure rules for when QuickBooks takes two invoice numbers as one (after shortening, and
without regard to capitals), and the sentences that say so."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations import rules
from integrations.services.messages import (
    form_number_clash_message,
    number_clash_message,
    same_item_note,
)


@pytest.mark.parametrize(("number", "other", "same"), [
    ("DISC-AMT-1", "disc-amt-1", True),
    (" DISC-AMT-1 ", "DISC-AMT-1", True),
    ("DISC-AMT-1", "DISC-AMT-2", False),
    ("INV-2024-A-WEDDING-SMITH-0002", "INV-2024-B-WEDDING-SMITH-0002", True),
    ("INV-2024-A-WEDDING-SMITH-0002", "inv-2024-b-wedding-smith-0002", True),
    ("INV-2024-A-WEDDING-SMITH-0002", "INV-2...NG-SMITH-0002", True),
    ("INV-2024-A-WEDDING-SMITH-0002", "INV-2024-A-WEDDING-SMITH-0003", False),
    ("123456789012345678901", "1234567890123456789012", False),  # 21 stays, 22 shortens
])
def test_which_numbers_are_one_number_in_quickbooks(number, other, same):
    assert rules.same_doc_number(number, other) is same
    assert rules.same_doc_number(other, number) is same


@given(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ",
               min_size=1, max_size=64))
def test_a_number_is_always_its_own_number_in_any_capitals(number):
    assert rules.same_doc_number(number, number.upper())
    assert rules.same_doc_number(number, number.lower())


def test_the_blocked_message_for_shortened_numbers_names_the_holder():
    message = number_clash_message(number="INV-2024-B-WEDDING-SMITH-0002",
                                   doc_number="INV-2...NG-SMITH-0002",
                                   holder="INV-2024-A-WEDDING-SMITH-0002",
                                   holder_doc_number="INV-2...NG-SMITH-0002")
    assert message == (
        "Invoice numbers INV-2024-B-WEDDING-SMITH-0002 and INV-2024-A-WEDDING-SMITH-0002 both "
        "become INV-2...NG-SMITH-0002 in QuickBooks (its limit is 21 characters), and invoice "
        "INV-2024-A-WEDDING-SMITH-0002 already has that number there. Give this invoice a "
        "shorter or different number, then press Sync.")


def test_the_blocked_message_says_when_capitals_alone_made_them_one():
    message = number_clash_message(number="INV-2024-B-WEDDING-SMITH-0002",
                                   doc_number="INV-2...NG-SMITH-0002",
                                   holder="inv-2024-a-wedding-smith-0002",
                                   holder_doc_number="inv-2...ng-smith-0002")
    assert "(numbers are compared without regard to capitals)" in message
    assert "invoice inv-2024-a-wedding-smith-0002 already has that number" in message


def test_a_short_number_another_invoice_shortens_to_names_that_invoice():
    message = number_clash_message(number="INV-2...NG-SMITH-0002",
                                   doc_number="INV-2...NG-SMITH-0002",
                                   holder="INV-2024-A-WEDDING-SMITH-0002",
                                   holder_doc_number="INV-2...NG-SMITH-0002")
    assert message == (
        "Invoice INV-2024-A-WEDDING-SMITH-0002 becomes INV-2...NG-SMITH-0002 in QuickBooks "
        "(its limit is 21 characters), which is this invoice's number. Give this invoice a "
        "different number, then press Sync.")


def test_a_holder_deleted_here_is_said_to_be_so_not_left_unnamed():
    message = number_clash_message(number="1042", doc_number="1042", holder=None,
                                   holder_doc_number="1042")
    assert message == ("An invoice deleted from hatsync still has the number 1042 in "
                       "QuickBooks. Give this invoice a different number, then press Sync.")


def test_the_form_message_says_what_the_number_shortens_to_and_whose_it_is():
    assert form_number_clash_message(
        number="INV-2024-B-WEDDING-SMITH-0002", holder="INV-2024-A-WEDDING-SMITH-0002",
    ) == ("INV-2024-B-WEDDING-SMITH-0002 shortens to INV-2...NG-SMITH-0002 in QuickBooks (its "
          "limit is 21 characters), which invoice INV-2024-A-WEDDING-SMITH-0002 also becomes. "
          "Give this invoice a shorter or different number.")


def test_the_same_item_note_lists_the_other_products():
    assert same_item_note(["A", "B", "B", "C"]).startswith(
        "QuickBooks will see this as the same item as your products “A”, “B” (2 of them) and "
        "“C”:")
