"""The QuickBooks rules as pure functions: no database, no HTTP. Sources: shared/QBO-FACTS.md."""

import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from invoices.localisation import tax_word

SUPPORTED_COUNTRIES = frozenset({"US", "CA", "GB"})
MAX_REFERENCE_LENGTH = 21  # DocNumber and PaymentRefNum
MAX_ITEM_NAME_LENGTH = 100
MAX_DISPLAY_NAME_LENGTH = 500
MAX_PERSON_NAME_LENGTH = 100
GRATUITY_ITEM_ID = "GRATUITY_ITEM_ID"

# C0 and C1 controls, and the two non-characters QuickBooks' XML store cannot hold.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
# What a free text (memo, line description) may keep: tabs and new lines, nothing else below
# a space (QuickBooks keeps its data as XML, which cannot hold the other controls).
_TEXT_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# What stands in for ':' in a name. QuickBooks reads ':' as the step between a parent and a
# sub-customer (or sub-item); the look-alike RATIO sign reads the same and, unlike " -",
# keeps "Wedding: Full Day" and "Wedding - Full Day" two names.
COLON_STAND_IN = "\u2236"
MAX_MEMO_LENGTH = 1000  # Invoice CustomerMemo
MAX_DESCRIPTION_LENGTH = 4000  # a line's Description
_REQUEST_ID_NAMESPACE = uuid.UUID("6b0c3f6e-3a53-4c4d-9a49-8f1f4a6b7e21")


def is_supported_country(country: str) -> bool:
    return country.upper() in SUPPORTED_COUNTRIES


def shorten_reference(number: str) -> str:
    """Invoice numbers and payment references: over 21 characters, keep 5 + '...' + last 13."""
    number = number.strip()
    if len(number) <= MAX_REFERENCE_LENGTH:
        return number
    return f"{number[:SHORTENED_HEAD]}...{number[-SHORTENED_TAIL:]}"


SHORTENED_HEAD, SHORTENED_TAIL = 5, 13


def doc_number_key(doc_number: str) -> str:
    """What QuickBooks compares when it decides two invoices have one number: the DocNumber
    without regard to capitals (its queries compare strings that way, and its duplicate
    check is held to the same here; shared/QBO-FACTS.md, README "Numbers"). Surrounding
    spaces never reach it: `shorten_reference` strips them."""
    return doc_number.strip().casefold()


def same_doc_number(number: str, other: str) -> bool:
    """Whether two invoice numbers become one number in QuickBooks, after shortening."""
    return doc_number_key(shorten_reference(number)) == doc_number_key(shorten_reference(other))


def clean_qbo_name(name: str, max_length: int) -> str:
    """QBO names may not hold ':' (it separates sub-customers), tabs, new lines or controls:
    ':' becomes its look-alike, the rest a space; runs of spaces become one. A name with
    nothing else in it comes back empty (the caller says what to change)."""
    name = name.replace(":", COLON_STAND_IN)
    name = _CONTROL_CHARACTERS.sub(" ", name)
    name = " ".join(name.split())
    return name[:max_length].rstrip()


def clean_qbo_text(text: str, max_length: int) -> str:
    """A memo or description as QuickBooks can keep it: quotes, backslashes, emoji and
    right-to-left text as they are; controls other than tabs and new lines left out."""
    return _TEXT_CONTROL_CHARACTERS.sub("", text)[:max_length]


# The PrivateNote hatsync writes on each object it makes (payloads.py, with the marker from
# services/exactly_once.py), whole: an invoice's or payment's is its marker; a refund's is its
# marker, then ". " and the refund's reason; a processing fee's is a sentence ending with its
# marker in brackets.
_HATSYNC_NOTES = (
    re.compile(r"hatsync (invoice|payment) #(\d+)"),
    re.compile(r"hatsync (refund) #(\d+)(?:\. .+)?", re.DOTALL),
    re.compile(r"Processing fee on payment .* of invoice .* \(hatsync (fee) #(\d+)\)",
               re.DOTALL),
)


def hatsync_note_owner(private_note: str | None) -> tuple[str, int] | None:
    """Whose note this is, as ("fee", 254), when it is exactly a note hatsync writes (see
    _HATSYNC_NOTES); None for any other note, one that merely mentions a marker
    ("Card fees for November (hatsync fee #254)") and one of ours edited in QuickBooks. Only
    what this names is hatsync's to delete: QuickBooks has no other sign of who made what."""
    note = (private_note or "").strip()
    for shape in _HATSYNC_NOTES:
        match = shape.fullmatch(note)
        if match:
            return match.group(1), int(match.group(2))
    return None


def item_name_for(rendered_display_name: str) -> str:
    """The QBO item name for a rendered Display Name: the same name is one item, and
    different names stay different items. QBO allows 100 characters: a longer name keeps its
    first 88, then "... " and 8 characters of a hash of the whole name, so two names that
    agree in their first 100 characters never become one item. A name with no usable
    character comes back empty: the invoice is blocked, saying which product."""
    name = clean_qbo_name(rendered_display_name, len(rendered_display_name))
    if len(name) <= MAX_ITEM_NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.casefold().encode()).hexdigest()[:8]
    return f"{name[:MAX_ITEM_NAME_LENGTH - 12].rstrip()}... {digest}"


def customer_base_name(*, first_name: str, last_name: str, company: str, email: str) -> str:
    """The contact's name as QuickBooks can take it; with no usable first or last name, the
    company, then the email. Empty when none has a usable character (the invoice is blocked
    with what to add)."""
    full_name = f"{first_name} {last_name}"
    for name in (full_name, company, email):
        cleaned = clean_qbo_name(name, MAX_DISPLAY_NAME_LENGTH)
        if cleaned:
            return cleaned
    return ""


def customer_display_name_for(*, base_name: str, email: str, shared: bool, attempt: int = 0) -> str:
    """A DisplayName that no other contact can take.

    A name that only this contact has stays as it is; a name shared with another contact (or
    taken in QuickBooks by someone with another email) carries the email; later attempts add
    a counter.
    """
    if not shared and attempt == 0:
        return base_name
    # A name that is the email already is as unique as the email.
    suffix = f" ({email})" if email and not same_email(base_name, email) else ""
    if attempt > 1:
        suffix += f" {attempt}"
    room = MAX_DISPLAY_NAME_LENGTH - len(suffix)
    return clean_qbo_name(base_name[:room] + suffix, MAX_DISPLAY_NAME_LENGTH)


def same_email(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()


def normalise_tax_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def match_tax_codes(
    rate_names: Iterable[str], tax_codes: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Map CRM tax rate names to QBO TaxCode ids by name; return (matches, names unmatched)."""
    by_name = {normalise_tax_name(name): code_id for name, code_id in tax_codes.items()}
    matches: dict[str, str] = {}
    unmatched: list[str] = []
    for name in rate_names:
        code_id = by_name.get(normalise_tax_name(name))
        if code_id is None:
            if name not in unmatched:
                unmatched.append(name)
        else:
            matches[name] = code_id
    return matches, unmatched


# What each country calls the tax on a line and QuickBooks' code for it (the owner's words).
TAX_WORDS = {
    "GB": {"rate": "VAT rate", "code": "VAT code", "short": "VAT"},
    "CA": {"rate": "GST/HST rate", "code": "tax code", "short": "GST/HST"},
    "US": {"rate": "sales tax rate", "code": "tax code", "short": "sales tax"},
}


def tax_words(country: str) -> dict[str, str]:
    """"VAT rate" / "VAT code" in the UK, "GST/HST rate" / "tax code" in Canada (as
    QuickBooks Canada names them), "sales tax rate" / "tax code" in the US."""
    return TAX_WORDS.get(country.upper(), TAX_WORDS["US"])


def tax_code_for_rate(
    *, rate_id: int | str, rate_name: str, tax_codes: Mapping[str, str],
    tax_map: Mapping[str, str],
) -> str | None:
    """The QBO TaxCode id a CRM tax rate goes with: the code the owner chose for it (while
    QuickBooks still has it; a code gone since is no code), else the code of the same name
    (case and spacing aside), else None. `tax_map` maps a rate's id (as text) to a TaxCode
    id; `tax_codes` is the company's codes by name, as read at connect / Re-check."""
    chosen = tax_map.get(str(rate_id))
    if chosen:
        return chosen if chosen in set(tax_codes.values()) else None
    matches, _ = match_tax_codes([rate_name], tax_codes)
    return matches.get(rate_name)


def map_tax_rates(
    rates: Iterable[tuple[int | str, str]], tax_codes: Mapping[str, str],
    tax_map: Mapping[str, str],
) -> tuple[dict[str, str], list[str]]:
    """(TaxCode ids by rate name, names of rates with no code) for (rate id, name) pairs."""
    ids: dict[str, str] = {}
    unmatched: list[str] = []
    for rate_id, name in rates:
        code = tax_code_for_rate(rate_id=rate_id, rate_name=name, tax_codes=tax_codes,
                                 tax_map=tax_map)
        if code is None:
            if name not in unmatched:
                unmatched.append(name)
        else:
            ids[name] = code
    return ids, unmatched


def rates_need_codes(*, country: str, snapshot: Mapping) -> bool:
    """Whether a rate must have a QuickBooks tax code to sync: always in Canada and the UK;
    in the US only without automated sales tax (and then only rates that charge tax)."""
    return country in {"CA", "GB"} or (country == "US" and us_uses_tax_codes(snapshot))


def company_tax_codes(*, country: str, snapshot: Mapping) -> dict[str, str]:
    """The company's tax codes a rate may be matched to, by name (US pseudo codes left out)."""
    if country == "US":
        return us_tax_codes(snapshot)
    return dict(snapshot.get("tax_codes", {}))


def line_tax_problems(
    *, country: str, snapshot: Mapping, tax_map: Mapping[str, str],
    lines: Iterable[tuple[str, int | None, str, Decimal | None]],
) -> tuple[list[str], list[str]]:
    """What stops these lines going to QuickBooks, before anyone presses Send: (names of
    lines without a rate, names of rates with no QuickBooks code). A line is (line name,
    rate id or None, rate name, rate percentage). In Canada and the UK every line needs a
    rate (0% and exempt are rates too); a US company without automated sales tax needs a
    code for each rate that charges tax."""
    if not rates_need_codes(country=country, snapshot=snapshot):
        return [], []
    codes = company_tax_codes(country=country, snapshot=snapshot)
    no_rate: list[str] = []
    rates: list[tuple[int, str]] = []
    for line_name, rate_id, rate_name, percentage in lines:
        if rate_id is None:
            if country != "US" and line_name not in no_rate:
                no_rate.append(line_name)
        elif country != "US" or (percentage or 0) > 0:
            rates.append((rate_id, rate_name))
    _, unmatched = map_tax_rates(rates, codes, tax_map)
    return no_rate, unmatched


def tips_apply(*, country: str, snapshot: Mapping) -> bool:
    """Whether a tip goes on the invoice's gratuity line: tips on in QuickBooks (Canada has no
    tips setting, so never there)."""
    return country != "CA" and bool(snapshot.get("gratuity"))


def us_tax_code(percentage: Decimal | None) -> str:
    return "TAX" if percentage is not None and percentage > 0 else "NON"


# QuickBooks' US pseudo codes, listed among the TaxCodes but never a rate's name.
US_PSEUDO_TAX_CODES = ("TAX", "NON", "CustomSalesTax")


def us_uses_tax_codes(snapshot: Mapping) -> bool:
    """Whether a US company takes its tax from a tax code (`TxnTaxCodeRef`): the older
    companies, without automated sales tax (`Preferences.TaxPrefs.PartnerTaxEnabled` false).
    A snapshot read before hatsync kept that setting counts as automated, as it was sent."""
    return not snapshot.get("automated_sales_tax", True)


def us_tax_codes(snapshot: Mapping) -> dict[str, str]:
    """A US company's own tax codes (and groups) by name, without the pseudo codes."""
    return {name: code_id for name, code_id in snapshot.get("tax_codes", {}).items()
            if name not in US_PSEUDO_TAX_CODES}


# hatsync's payment methods (invoices.models.Payment.Method) and the QuickBooks PaymentMethod
# names each is sent as, compared without case or repeated spaces. A card is any card:
# a method named for cards in general first, else the company's first active credit card
# method (QuickBooks' PaymentMethod.Type CREDIT_CARD; Visa in Intuit's sample companies).
_GENERAL_CARD_NAMES = ("credit card", "card", "credit/debit card", "debit card",
                       "credit or debit card", "debit/credit card")
_PAYMENT_METHOD_NAMES = {
    "cash": ("cash",),
    "check": ("check", "cheque"),
    "bank_transfer": ("bank transfer", "eft", "direct deposit", "ach", "wire transfer",
                      "wire", "bacs", "faster payments", "e-transfer", "interac e-transfer",
                      "bank"),
}


def _method_name(name: object) -> str:
    return " ".join(str(name or "").split()).lower()


def payment_methods_from_quickbooks(found: Iterable[Mapping]) -> list[dict]:
    """The company's active PaymentMethods as the settings snapshot keeps them, in
    QuickBooks' order (by Id): id, name and type (CREDIT_CARD or NON_CREDIT_CARD)."""
    methods = [{"id": str(m.get("Id", "")), "name": str(m.get("Name", "")),
                "type": str(m.get("Type") or "NON_CREDIT_CARD")}
               for m in found if m.get("Active", True) and m.get("Id")]
    return sorted(methods, key=lambda m: (int(m["id"]) if m["id"].isdigit() else 0, m["id"]))


def payment_method_id_for(method: str, payment_methods: Iterable[Mapping]) -> str:
    """The QuickBooks PaymentMethod a hatsync payment (or refund) names, from the snapshot's
    `payment_methods`; "" when the company has none that fits, and then no PaymentMethodRef
    is sent (QuickBooks takes a payment without one; hatsync never creates one).

    card: a method named for cards in general ("Credit Card", "Card"...), else the first
    active CREDIT_CARD method. cash: "Cash". check: "Check" or "Cheque". bank transfer: a
    method that is not a credit card named "Bank transfer", "EFT", "Direct deposit", "ACH"...
    other: none."""
    methods = [m for m in payment_methods if m.get("id")]
    named = {}
    for m in methods:
        named.setdefault(_method_name(m.get("name")), m)
    if method == "card":
        general = next((named[n] for n in _GENERAL_CARD_NAMES if n in named), None)
        if general is None:
            general = next((m for m in methods if m.get("type") == "CREDIT_CARD"), None)
        return str(general["id"]) if general else ""
    for name in _PAYMENT_METHOD_NAMES.get(method, ()):
        found = named.get(name)
        if found and not (method == "bank_transfer" and found.get("type") == "CREDIT_CARD"):
            return str(found["id"])
    return ""


def fingerprint(payload: Mapping) -> str:
    """A stable hash of what we would push, to skip updates that change nothing."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


BATCH_REQUEST_PREFIX = "batch-"


def batch_request_id(*, realm_id: str, operations: Iterable[tuple[str, str]]) -> str:
    """One requestid for a batch of (record key, fingerprint): the same batch, sent again
    after its answer was lost, is applied once."""
    content = ";".join(f"{key}={print_}" for key, print_ in operations)
    digest = uuid.uuid5(_REQUEST_ID_NAMESPACE, f"{realm_id}|{content}").hex
    return BATCH_REQUEST_PREFIX + digest[:24]


def request_id_for(*, key: str, operation: str, content: str) -> str:
    """The same intended write always gets the same requestid, so QBO applies it once."""
    return uuid.uuid5(_REQUEST_ID_NAMESPACE, f"{key}|{operation}|{content}").hex


def escape_query_value(value: str) -> str:
    """Quote a value for the QBO query language: backslash-escape backslashes and quotes."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def invoice_deep_link(*, app_base_url: str, qbo_id: str) -> str:
    """QuickBooks' link to an invoice. It names no company (Intuit documents no way to): it
    opens in the company the browser last used, so it is always shown with its company."""
    return f"{app_base_url.rstrip('/')}/app/invoice?txnId={qbo_id}"


def company_switch_link(*, app_base_url: str, realm_id: str) -> str:
    """QuickBooks' Switch company for one company (seen in use, not in Intuit's docs): the
    browser works in that company from then on, and invoice links open there."""
    return f"{app_base_url.rstrip('/')}/app/switchCompany?companyId={realm_id}"


def invoice_viewable_in_quickbooks(*, qbo_id: str, qbo_status: str) -> bool:
    """The invoice exists in QuickBooks (voided ones too), whatever its sync state: it was
    created there and nobody deleted it there since."""
    return bool(qbo_id) and qbo_status != "deleted"


def settings_checklist(
    *,
    country: str,
    snapshot: Mapping,
    crm_tax_rates: Iterable[tuple[int | str, str]],
    untaxable_products: Iterable[str],
    tax_map: Mapping[str, str] | None = None,
) -> list[dict]:
    """What the sync needs from the QuickBooks company, each with how to fix it there.
    `crm_tax_rates`: (id, name) of the rates that need a QuickBooks tax code; `tax_map`: the
    codes chosen for them (a rate not in it goes with the code of its name)."""
    items = [
        {
            "key": "custom_txn_numbers",
            "label": "Custom transaction numbers are on",
            "ok": bool(snapshot.get("custom_txn_numbers")),
            "applicable": True,
            "fix": "In QuickBooks: Settings ⚙ > Account and settings > Sales > Sales form "
            "content > turn on “Custom transaction numbers”. Without it QuickBooks numbers "
            "invoices itself and your invoice numbers are lost.",
        },
        {
            "key": "gratuity",
            "label": "Tips (gratuity) are on",
            "ok": bool(snapshot.get("gratuity")),
            "applicable": country != "CA",
            "fix": "In QuickBooks: Settings ⚙ > Account and settings > Sales > Sales form "
            "content > turn on “Tips (Gratuity)”. Without it tips stay as unapplied credit.",
        },
        {
            "key": "sales_tax",
            "label": f"{tax_word(country)} is set up",
            "ok": bool(snapshot.get("sales_tax")),
            "applicable": True,
            # QuickBooks UK keeps it under VAT; QuickBooks US and Canada under Sales tax.
            "fix": ("In QuickBooks: Taxes > VAT > Set up VAT." if country == "GB"
                    else "In QuickBooks: Taxes > Sales tax > Set up sales tax."),
        },
    ]
    if rates_need_codes(country=country, snapshot=snapshot):
        codes = company_tax_codes(country=country, snapshot=snapshot)
        _, unmatched = map_tax_rates(crm_tax_rates, codes, tax_map or {})
        words = tax_words(country)
        items.append(
            {
                "key": "tax_names",
                "label": f"Every {words['rate']} has a QuickBooks {words['code']}",
                "ok": not unmatched,
                "applicable": True,
                "detail": ", ".join(unmatched),
                "link": f"Match {words['rate']}s to QuickBooks {words['code']}s",
                "fix": f"Choose the QuickBooks {words['code']} for "
                + ("this " + words["rate"] if len(unmatched) == 1 else f"these {words['rate']}s")
                + ": " + ", ".join(unmatched) + ". Rates with the same name as a QuickBooks "
                "code go with it by themselves.",
            }
        )
    if country in {"CA", "GB"}:
        untaxable = list(untaxable_products)
        items.append(
            {
                "key": "products_taxable",
                "label": "Every product is marked taxable",
                "ok": not untaxable,
                "applicable": True,
                "detail": ", ".join(untaxable),
                "fix": "In Canada and the UK every product must be taxable, even when its rate "
                "is 0% or exempt. Mark these taxable: " + ", ".join(untaxable),
            }
        )
    return items


def select_where_equals(entity: str, field: str, value: str) -> str:
    """A QBO query (not SQL) for one exact value, quoted the way QBO's parser expects."""
    return f"select * from {entity} where {field} = '{escape_query_value(value)}'"  # noqa: S608


def select_where_in(
    entity: str, field: str, values: Iterable[str], *, inactive: bool = False
) -> str:
    """A QBO query (not SQL) for a list of exact values. QBO answers only active customers
    and items unless the query asks about Active: `inactive` asks for the inactive ones."""
    quoted = ", ".join(f"'{escape_query_value(value)}'" for value in values)
    active = "Active = false and " if inactive else ""
    return (f"select * from {entity} where {active}{field} in ({quoted}) "  # noqa: S608
            "maxresults 1000")


def counted(n: int, singular: str, plural: str = "") -> str:
    """"1 refund", "2 refunds": the count with its noun in the right number."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def refunds_and_fees(*, refunds: int, fees: int) -> str:
    """Only what there is, each in its number: "1 refund", "2 fees", "1 refund and 1 fee"
    ("" when neither)."""
    parts = [counted(n, noun) for n, noun in ((refunds, "refund"), (fees, "fee")) if n]
    return " and ".join(parts)


def seconds_left(*, total: int, done: int, started_at: datetime, last_done_at: datetime | None,
                 now: datetime, wait_seconds: float = 0.0) -> int | None:
    """An import's time left, from its measured throughput: the pace from its start to the
    last invoice that landed, carried on from that moment. While nothing lands (a wait for
    QuickBooks' limit) the figure counts down; it never rises then, except to the wait
    itself, which the screen names. None: no data yet (nothing landed), finished, or slower
    than measured (no figure is better than a wrong one)."""
    if done <= 0 or done >= total or last_done_at is None:
        return None
    measured = (last_done_at - started_at).total_seconds()
    if measured <= 0:
        return None
    finish = measured / done * (total - done) - (now - last_done_at).total_seconds()
    left = max(finish, wait_seconds)
    return math.ceil(left) if left > 0 else None


def duration_words(seconds: int) -> str:
    """"40 s", "3 min": how long, rounded as a person would say it."""
    if seconds < 90:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


# Dates ---------------------------------------------------------------------------------
# The years a QuickBooks transaction date (TxnDate, DueDate) can carry. Intuit publishes no
# range; a date outside it (a mistyped 9999-12-31) is answered with a validation fault, so
# hatsync blocks it before sending, with the fix (see the issue 20 note for the sources).
QBO_EARLIEST_DATE = date(1900, 1, 1)
QBO_LATEST_DATE = date(2099, 12, 31)


def date_quickbooks_cannot_hold(*dates: date | None) -> date | None:
    """The first of `dates` outside the years QuickBooks takes, or None."""
    return next((d for d in dates
                 if d is not None and not QBO_EARLIEST_DATE <= d <= QBO_LATEST_DATE), None)


def date_out_of_range_message(*, what: str, value: date) -> str:
    """Why a record with such a date does not sync, and the fix."""
    return (f"QuickBooks cannot hold the date {value.isoformat()}: it takes dates from "
            f"{QBO_EARLIEST_DATE.year} to {QBO_LATEST_DATE.year}. Change {what} here, then "
            "press Sync.")


# Retries -------------------------------------------------------------------------------
# A server error QuickBooks gives again and again for one record (its 500 for something it
# cannot process) is a problem for the owner, not a wait. One 500 looks like another, so only
# time tells a record QuickBooks cannot take from bad luck: at least this many in a row, the
# first of them this long ago (a random 500 in three tries, as the fault tests inject, never
# lasts five minutes; the task's retries span about five). Throttling (429) and outages (a
# gateway's 502/503/504, no answer at all) stay quiet waits: they are QuickBooks' state, not
# the record's.
SERVER_ERROR_REPEATS = 3
SERVER_ERROR_SPAN_SECONDS = 300
OUTAGE_STATUSES = frozenset({502, 503, 504})


def is_record_server_error(status: int) -> bool:
    """A 5xx that is about this request rather than QuickBooks being down."""
    return 500 <= status <= 599 and status not in OUTAGE_STATUSES


def server_error_streak(*, message: str, earlier: Iterable[tuple[str | None, float]]
                        ) -> tuple[int, float]:
    """(answers in a row, seconds since the first of them) for this answer and the record's
    previous attempts, latest first: (message, seconds ago); None for an attempt that did not
    end in a retry (e.g. it synced), which ends the run."""
    run, oldest = 1, 0.0
    for previous, seconds_ago in earlier:
        if previous != message:
            break
        run, oldest = run + 1, seconds_ago
    return run, oldest


def keeps_failing(*, status: int, message: str, earlier: Iterable[tuple[str | None, float]],
                  repeats: int = SERVER_ERROR_REPEATS,
                  span_seconds: float = SERVER_ERROR_SPAN_SECONDS) -> bool:
    """Whether this server error, with the same ones before it, makes a record QuickBooks
    keeps failing on: `repeats` in a row over at least `span_seconds`."""
    if not is_record_server_error(status):
        return False
    run, oldest = server_error_streak(message=message, earlier=earlier)
    return run >= repeats and oldest >= span_seconds


# Change data capture (a metered call) -------------------------------------------------------
CDC_SHORT_INTERVAL = timedelta(minutes=5)  # no webhook configured: CDC is the only way in
CDC_CATCH_UP_INTERVAL = timedelta(days=1)  # with webhooks: a catch-up (CDC looks back 30 days)
# hatsync wrote to a company and no webhook came for it this long after: QuickBooks sends an
# event for every change, ours too, so its webhooks are not arriving.
WEBHOOK_SILENCE = timedelta(hours=1)


def cdc_due(*, now: datetime, last_cdc_at: datetime, webhooks_configured: bool,
            gap_at: datetime | None, anything_synced: bool,
            last_write_at: datetime | None = None, last_webhook_at: datetime | None = None,
            short_interval: timedelta = CDC_SHORT_INTERVAL,
            catch_up_interval: timedelta = CDC_CATCH_UP_INTERVAL,
            silence: timedelta = WEBHOOK_SILENCE) -> bool:
    """Is a change data capture call due for a company? Reads and CDC are metered (QBO-FACTS
    "Going live"), so webhooks bring changes in and CDC only catches up:
    - never for a company with nothing synced (no change there can concern hatsync);
    - every `short_interval` when no webhook is configured (nothing else brings changes in);
    - else once every `catch_up_interval` (well inside CDC's 30 days back);
    - at once after a gap detected since the last CDC (`gap_at`: a restart, a delivery
      hatsync could not take or gave up on);
    - once after a webhook silence: hatsync wrote (`last_write_at`), no webhook for the
      company came after it, and `silence` has passed.
    `last_cdc_at`: when the last CDC started (the connection time when there was none)."""
    if not anything_synced:
        return False
    if now - last_cdc_at >= (catch_up_interval if webhooks_configured else short_interval):
        return True
    if gap_at is not None and gap_at >= last_cdc_at:
        return True
    if webhooks_configured and last_write_at is not None:
        unanswered = last_webhook_at is None or last_webhook_at < last_write_at
        noticed = last_write_at + silence
        return unanswered and now >= noticed and last_cdc_at < noticed
    return False
