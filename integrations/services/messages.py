"""What the sync says to people: why something is blocked or failed, in words they can act
on, naming their invoices, contacts and products (never a QuickBooks id)."""

import re
from collections import Counter
from datetime import date

from invoices.localisation import local_date

from .. import rules
from ..models import SyncRecord
from ..qbo.errors import QboFault

Kind = SyncRecord.Kind


_REFERENCE = re.compile(r"\b(\w+Ref)\b(?:\s*=\s*([\w-]+))?")


_CAPITALS = "(numbers are compared without regard to capitals)"


def unmatched_tax_message(country: str, names: list[str]) -> str:
    """Rates with no QuickBooks tax code: choose one for each (the mapping), never rename."""
    words = rules.tax_words(country)
    one = len(names) == 1
    return (f"{'This' if one else 'These'} {words['rate']}{'' if one else 's'} "
            f"{'has' if one else 'have'} no QuickBooks {words['code']}: {', '.join(names)}. "
            f"Choose one for {'it' if one else 'each'} in Account Settings > Integrations > "
            f"Match {words['rate']}s to QuickBooks, and the invoice syncs.")


def number_clash_message(
    *, number: str, doc_number: str, holder: str | None, outside: bool = False,
    holder_doc_number: str | None = None,
) -> str:
    """Why an invoice cannot have its number in QuickBooks, naming who has it and why the
    numbers are one there: the same capitals aside, or both shortened alike."""
    held = holder_doc_number or doc_number
    if outside:
        return (f"QuickBooks already has invoice {held} (made outside hatsync), so this "
                "invoice was not synced. Change the number here (or remove the one in "
                "QuickBooks), then press Sync.")
    different = "Give this invoice a different number, then press Sync."
    if holder is None:
        return (f"An invoice deleted from hatsync still has the number {held} in QuickBooks. "
                f"{different}")
    shortened = doc_number != number.strip()
    if not shortened and holder_doc_number is not None and held != doc_number:
        return (f"Invoice {holder} already has the number {held} in QuickBooks, which "
                "compares invoice numbers without regard to capitals, so "
                f"{doc_number} is the same number there. {different}")
    if not shortened and holder == number:
        return f"Invoice {holder} already has the number {held} in QuickBooks. {different}"
    capitals = f" {_CAPITALS}" if held != doc_number else ""
    if not shortened:
        return (f"Invoice {holder} becomes {held} in QuickBooks (its limit is 21 characters), "
                f"which is this invoice's number{capitals}. {different}")
    return (f"Invoice numbers {number} and {holder} both become {doc_number} in QuickBooks "
            f"(its limit is 21 characters){capitals}, and invoice {holder} already has that "
            "number there. Give this invoice a shorter or different number, then press Sync.")


def form_number_clash_message(*, number: str, holder: str) -> str:
    """On the invoice form: why `number` would be another invoice's number in QuickBooks."""
    doc_number, held = rules.shorten_reference(number), rules.shorten_reference(holder)
    capitals = f" {_CAPITALS}" if held != doc_number else ""
    if held == holder.strip():
        becomes = f"which is invoice {holder}'s number there{capitals}"
    else:
        becomes = f"which invoice {holder} also becomes{capitals}"
    return (f"{number} shortens to {doc_number} in QuickBooks (its limit is "
            f"{rules.MAX_REFERENCE_LENGTH} characters), {becomes}. Give this invoice a "
            "shorter or different number.")


def same_item_note(others: list[str]) -> str:
    """On the product form: the other products that are one QuickBooks item with this one."""
    counts = Counter(others)
    quoted = [f"“{name}”" + (f" ({n} of them)" if n > 1 else "") for name, n in counts.items()]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
    noun = "product" if len(others) == 1 else "products"
    either = "either product" if len(others) == 1 else "any of these products"
    return (f"QuickBooks will see this as the same item as your {noun} {listed}: item names "
            "there are one name whatever their capitals and spacing, so invoices with "
            f"{either} use one QuickBooks item.")


def names_for_ids(record: SyncRecord) -> dict[str, dict[str, str]]:
    """What our customers and items are called, by QuickBooks id: messages name them."""
    names: dict[str, dict[str, str]] = {"CustomerRef": {}, "ItemRef": {}}
    rows = SyncRecord.objects.filter(
        account_id=record.account_id,
        realm_id=record.realm_id, kind__in=[Kind.CUSTOMER, Kind.ITEM]
    ).exclude(qbo_id="").select_related("contact")
    for row in rows:
        if row.kind == Kind.CUSTOMER:
            label = row.contact.full_name if row.contact else row.qbo_name
            names["CustomerRef"][row.qbo_id] = f"the customer {label}"
        else:
            names["ItemRef"][row.qbo_id] = f"the product {row.qbo_name}"
    return names


def explain_fault(error: QboFault, *, names: dict[str, dict[str, str]] | None = None) -> str:
    """QBO's refusal in words a business owner can act on (never a bare QuickBooks id)."""
    detail = (error.detail or error.message).strip()
    if error.is_invalid_reference:
        what = "something this refers to (a customer, product or tax code)"
        match = _REFERENCE.search(detail)
        if match:
            field, qbo_id = match.group(1), match.group(2) or ""
            what = (names or {}).get(field, {}).get(qbo_id) or {
                "CustomerRef": "its customer", "ItemRef": "one of its products",
                "TaxCodeRef": "one of its tax codes",
            }.get(field, what)
        return (f"QuickBooks could not use {what}: it is inactive or missing there. Make it "
                "active in QuickBooks (or press Re-check settings), then press Sync.")
    if error.is_duplicate_doc_number:
        return (f"QuickBooks already has a transaction with this number ({detail}). Change "
                "the number here (or remove the one in QuickBooks), then press Sync.")
    if error.is_duplicate_name:
        return f"QuickBooks already uses this name for another customer or item ({detail})."
    if error.is_stale_object:
        return ("Someone changed this in QuickBooks while we were updating it. Press Sync to "
                "try again.")
    if error.code in {"2050", "2020"}:
        return f"QuickBooks refused a field ({detail})."
    return f"QuickBooks refused it: {detail} (error {error.code or 'unknown'})."


def renumbered_message(*, doc_number: str, qbo_number: str) -> str:
    """QuickBooks took the invoice but numbered it itself: custom numbers were turned off."""
    return (f"QuickBooks gave this invoice its own number ({qbo_number or 'none'}) instead of "
            f"{doc_number}: Custom transaction numbers are off in QuickBooks now. Turn them on "
            "(Settings > Account and settings > Sales), press Re-check settings, then Sync: "
            f"hatsync then gives it the number {doc_number}.")


def books_closed_message(*, close_date: str, country: str) -> str:
    """QuickBooks refused a change dated inside the period its owner closed."""
    try:
        through = f"through {local_date(date.fromisoformat(close_date), country)}"
    except ValueError:  # closed since settings were last read: the date is not known here
        through = "for this date"
    return (f"QuickBooks' books are closed {through}, so QuickBooks refuses changes dated "
            "then or earlier. Ask whoever keeps your books to reopen that period (in "
            "QuickBooks: Settings ⚙ > Account and settings > Advanced > Accounting > Close "
            "the books), or change the date here to a later one; then press Sync.")


def company_not_writable_message(*, company_name: str) -> str:
    """QuickBooks refuses every write to the company (6190): its subscription lapsed."""
    name = company_name or "your QuickBooks company"
    return (f"QuickBooks is not accepting changes to {name}: its subscription or trial has "
            "ended, was cancelled, or has a billing problem. Renew it in QuickBooks (Settings "
            "⚙ > Subscriptions and billing). Syncing resumes by itself once QuickBooks "
            "accepts changes again, or press Re-check settings.")


def keeps_failing_message(*, times: int, minutes: int, status: int,
                          intuit_tid: str = "") -> str:
    """QuickBooks answered one record with the same server error again and again."""
    message = (f"QuickBooks answered this with an error on its side ({status}) {times} times "
               f"in a row over {minutes} minutes, so hatsync stopped retrying it by itself: "
               "something in it is probably more than QuickBooks can hold (a date, an amount, "
               "a very long text). Check it, correct what looks wrong, then press Retry.")
    if intuit_tid:
        message += f" Reference for Intuit support: {intuit_tid}."
    return message


_RUNNING = {
    "import": "An import to QuickBooks is already running",
    "undo": "Undo sync is already running",
    "check": "A check that QuickBooks matches hatsync is already running",
}
_PRESSED = {"import": "the import", "undo": "Undo sync", "check": "the check"}


def already_running_message(*, running: str, pressed: str, done: int = 0,
                            total: int = 0) -> str:
    """What a press says while another bulk job of the account runs (services/running.py):
    what runs, how far it is, and when the press can go."""
    text = _RUNNING[running]
    if total:
        text += f" ({done} of {total} invoice{'s' if total != 1 else ''} done)"
    if running == pressed:
        return text + ". Its progress is shown here; nothing new was started."
    return (text + f". hatsync runs one import, Undo sync or check at a time for an account "
            f"(they work on the same QuickBooks company), so {_PRESSED[pressed]} can start "
            "once it has finished.")


# -- multicurrency (QBO-FACTS "Multicurrency") -------------------------------------------------

def multicurrency_off_message(*, currency: str, home: str) -> str:
    """A foreign invoice for a company without multicurrency (hatsync never turns it on:
    QuickBooks cannot turn it off again)."""
    return (f"This invoice is in {currency}, and multicurrency is off in QuickBooks, which "
            f"then keeps everything in {home}. Turn it on there (Settings > Account and "
            "settings > Advanced > Currency; it cannot be turned off again, and QuickBooks "
            "Simple Start does not have it), press Re-check settings, then Sync. Or bill the "
            f"contact in {home}.")


def currency_not_added_message(*, currency: str, detail: str = "") -> str:
    """QuickBooks refused to add a currency to the company's list."""
    why = f" QuickBooks said: {detail.strip()}" if detail.strip() else ""
    return (f"QuickBooks would not add {currency} to this company's currencies.{why} Add it "
            "there (Settings > Currencies > Add currency), press Re-check settings, then "
            "Sync.")


def currency_inactive_message(*, currency: str) -> str:
    return (f"{currency} is in this QuickBooks company's currencies but made inactive there. "
            "Make it active (Settings > Currencies), press Re-check settings, then Sync.")


def no_rate_message(*, currency: str, home: str, on: date) -> str:
    return (f"QuickBooks has no exchange rate from {currency} to {home} for "
            f"{on.isoformat()}. Enter the rate on the invoice (how many {home} one {currency} "
            "is worth), or set one in QuickBooks (Settings > Currencies), then Sync.")


def deposit_currency_note(*, account: str, held: str, currency: str, home: str) -> str:
    """A foreign payment cannot go to the account chosen for deposits."""
    return (f"The deposit account {account} is in {held}, and QuickBooks deposits a "
            f"{currency} payment only to an account in {home} or {currency}: this one went "
            "to Undeposited Funds. Choose such an account for it in QuickBooks when you "
            "deposit it.")


def customer_currency_message(*, name: str, held: str, currency: str) -> str:
    """A customer adopted or kept in another currency than the invoice's."""
    return (f"The QuickBooks customer {name} is in {held}, and a customer's currency cannot "
            f"change there: hatsync makes a customer of its own for {currency} invoices "
            f"(named “{name} ({currency})”).")
