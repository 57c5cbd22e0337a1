"""The naming and numbering rules over arbitrary text: what QuickBooks refuses never gets out,
what must stay one stays one, and what must stay apart stays apart."""

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from integrations import rules

PROPERTIES = settings(max_examples=300, deadline=None)

# Any text a person could type or paste, controls and separators included (the default
# strategy leaves out surrogates, which no database column here can hold anyway).
ANY_TEXT = st.text(max_size=700)
# Few letters, many of the characters the rules change: collisions are found quickly.
TRICKY = st.text(alphabet=":-\u2236 \t\n\r\x00\x85\u2028aAß", max_size=12)
LONG_TEXT = st.text(min_size=90, max_size=400)


def refused_by_quickbooks(ch: str) -> bool:
    """':' (the sub-customer separator), tabs, new lines and other control characters."""
    return (ch == ":" or unicodedata.category(ch) == "Cc"
            or ch in "\u2028\u2029\ufffe\uffff")


def usable(text: str) -> bool:
    return any((not ch.isspace() and not refused_by_quickbooks(ch)) or ch == ":" for ch in text)


def same_name(name: str) -> str:
    """Two names QuickBooks must see as one: equal after case and spacing are set aside (and
    ':' is the same as the look-alike RATIO sign that stands in for it)."""
    spaced = "".join(" " if refused_by_quickbooks(ch) and ch != ":" else ch for ch in name)
    return " ".join(spaced.split()).replace(":", rules.COLON_STAND_IN).casefold()


def assert_a_name_quickbooks_takes(name: str, limit: int) -> None:
    assert len(name) <= limit
    assert not any(refused_by_quickbooks(ch) for ch in name), repr(name)
    assert name == name.strip()
    assert "  " not in name


# numbers -------------------------------------------------------------------------------------

@PROPERTIES
@given(ANY_TEXT)
@example("INV-2024-WEDDING-SMITH-0001")
@example("x" * 22)
def test_a_shortened_number_is_at_most_21_characters_and_always_the_same(number):
    short = rules.shorten_reference(number)
    assert len(short) <= rules.MAX_REFERENCE_LENGTH
    assert short == rules.shorten_reference(number)
    assert rules.shorten_reference(short) == short  # shortening a shortened number keeps it


@PROPERTIES
@given(st.text(max_size=21).map(str.strip))
def test_a_number_of_21_characters_or_fewer_is_sent_as_it_is(number):
    assert rules.shorten_reference(number) == number


@PROPERTIES
@given(st.text(min_size=22, max_size=64).map(str.strip).filter(lambda n: len(n) > 21))
def test_a_longer_number_keeps_its_first_5_and_last_13_characters(number):
    short = rules.shorten_reference(number)
    assert short == f"{number[:5]}...{number[-13:]}"


# names ---------------------------------------------------------------------------------------

@PROPERTIES
@given(ANY_TEXT, st.sampled_from([rules.MAX_ITEM_NAME_LENGTH, rules.MAX_DISPLAY_NAME_LENGTH]))
@example("Lee: Design\tStudio", 100)
@example("\u200f\u05e9\u05dc\u05d5\u05dd: \u05e2\u05d5\u05dc\u05dd\u202e", 100)  # RTL
def test_a_cleaned_name_holds_nothing_quickbooks_refuses_and_fits(name, limit):
    cleaned = rules.clean_qbo_name(name, limit)
    assert_a_name_quickbooks_takes(cleaned, limit)
    assert bool(cleaned) == usable(name)
    assert rules.clean_qbo_name(cleaned, limit) == cleaned  # cleaning twice changes nothing


@PROPERTIES
@given(ANY_TEXT)
@example("\x85\u2028\t")
@example("x" * 600)
def test_an_item_name_fits_quickbooks_and_is_empty_only_without_a_usable_character(name):
    item = rules.item_name_for(name)
    assert_a_name_quickbooks_takes(item, rules.MAX_ITEM_NAME_LENGTH)
    assert bool(item) == usable(name)
    assert item == rules.item_name_for(name)


@PROPERTIES
@given(first=ANY_TEXT, last=ANY_TEXT, company=ANY_TEXT, email=st.emails() | ANY_TEXT)
@example(first="   ", last="\t", company="", email="ana@example.com")
@example(first="x" * 500, last="y" * 500, company="", email="")
def test_a_customer_name_fits_quickbooks_and_falls_back_to_company_then_email(
    first, last, company, email
):
    base = rules.customer_base_name(first_name=first, last_name=last, company=company,
                                    email=email)
    assert_a_name_quickbooks_takes(base, rules.MAX_DISPLAY_NAME_LENGTH)
    assert bool(base) == usable(first + last + company + email)
    if usable(first + last):
        assert base == rules.clean_qbo_name(f"{first} {last}", rules.MAX_DISPLAY_NAME_LENGTH)
    for attempt in range(4):
        named = rules.customer_display_name_for(base_name=base, email=email, shared=True,
                                                attempt=attempt)
        assert_a_name_quickbooks_takes(named, rules.MAX_DISPLAY_NAME_LENGTH)


def case_and_spacing_variant(draw, name: str) -> str:
    """The same name typed otherwise: some letters in the other case (only where the two
    cases fold alike and keep the length), some spaces doubled or made tabs, new lines or
    controls, spaces added at either end."""
    out = []
    for ch in name:
        flipped = ch.swapcase()
        if len(flipped) == 1 and flipped.casefold() == ch.casefold() and draw(st.booleans()):
            ch = flipped
        if ch.isspace() or (refused_by_quickbooks(ch) and ch != ":"):
            ch = draw(st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\x0b", " \x00 "]))
        out.append(ch)
    ends = st.sampled_from(["", " ", "\t", "\n "])
    return draw(ends) + "".join(out) + draw(ends)


@st.composite
def name_and_variant(draw):
    name = draw(st.one_of(ANY_TEXT, LONG_TEXT, TRICKY))
    return name, case_and_spacing_variant(draw, name)


@PROPERTIES
@given(name_and_variant())
@example(("Portrait Session", "portrait  SESSION\t"))
@example(("Wedding: " + "Full Day " * 20, "WEDDING:   " + "full day " * 20))
def test_names_that_differ_only_in_case_or_spacing_are_one_item(pair):
    name, variant = pair
    assert rules.item_name_for(name).casefold() == rules.item_name_for(variant).casefold()


@st.composite
def two_names(draw):
    """Two names, often alike: long ones that agree in their first 100 characters and
    more, short ones made of the characters the rules change."""
    kind = draw(st.sampled_from(["any", "long", "tricky"]))
    if kind == "any":
        return draw(ANY_TEXT), draw(ANY_TEXT)
    if kind == "tricky":  # alike but for a few of the characters the rules change
        head, tail = draw(TRICKY), draw(TRICKY)
        middle = st.text(alphabet=":- \u2236\ta", max_size=3)
        return head + draw(middle) + tail, head + draw(middle) + tail
    head = draw(st.text(min_size=100, max_size=300))
    return head + draw(ANY_TEXT), head + draw(ANY_TEXT)


@PROPERTIES
@given(two_names())
@example(("Wedding: Full Day", "Wedding - Full Day"))
@example(("a" * 100 + "1", "a" * 100 + "2"))
def test_names_that_differ_otherwise_stay_two_items(pair):
    one, other = pair
    if not (usable(one) and usable(other)) or same_name(one) == same_name(other):
        return
    assert rules.item_name_for(one).casefold() != rules.item_name_for(other).casefold()


# the counterexamples hypothesis found, as plain examples --------------------------------------

def test_a_colon_and_a_spaced_dash_stay_two_names():
    """Found by hypothesis: ':' used to become " -", so "a:b" and "a -b" were one item."""
    assert rules.item_name_for("Wedding: Full Day") == "Wedding\u2236 Full Day"
    assert rules.item_name_for("Wedding - Full Day") == "Wedding - Full Day"


def test_a_name_of_only_spaces_tabs_and_controls_has_no_item_name():
    """Found by hypothesis: such a name used to become the made-up item "Service"."""
    assert rules.item_name_for(" \t\x00\u2028 ") == ""


def test_next_line_and_other_c1_controls_are_left_out_of_names():
    """Found by hypothesis: U+0085 and the other C1 controls went through to QuickBooks."""
    assert rules.clean_qbo_name("Ana\x85Silva\x9b", 100) == "Ana Silva"


def test_a_contact_whose_name_is_only_spaces_is_known_by_company_then_email():
    assert rules.customer_base_name(first_name="  ", last_name="\t", company="Rossi Studio",
                                    email="r@x.com") == "Rossi Studio"
    assert rules.customer_base_name(first_name="  ", last_name="", company=" ",
                                    email="r@x.com") == "r@x.com"
    assert rules.customer_base_name(first_name=" ", last_name="", company="", email="") == ""


def test_a_customer_known_by_email_is_not_given_the_email_twice():
    assert rules.customer_display_name_for(base_name="r@x.com", email="R@x.com",
                                           shared=True) == "r@x.com"


def test_memos_keep_quotes_backslashes_emoji_and_right_to_left_text():
    memo = "Thanks \"Ana\" — C:\\photos\\2026 🎉 שלום\tend\nnext"
    assert rules.clean_qbo_text(memo + "\x00\x1b", 1000) == memo
