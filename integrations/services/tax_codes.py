"""Which QuickBooks tax code each of the account's tax rates goes with, and what stops an
invoice's lines from going to QuickBooks, said before anyone presses Send.

The company's tax codes are read once (at connect and on “Re-check settings”) and kept in
`connection.settings_snapshot["tax_codes"]` (name -> id); nothing here reads QuickBooks
(reads are metered). The owner's choices live on the connection, in
`connection.tax_code_map` ({"<TaxRate id>": "<TaxCode Id>"}), and belong to that company:
connecting to another company starts them afresh. A rate with no choice goes with the code of
its own name (`rules.tax_code_for_rate`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from invoices.models import Product, TaxRate

from .. import rules
from ..models import QuickBooksConnection, SyncRecord
from .imports import retry


@dataclass(frozen=True)
class RateCode:
    """One tax rate and the QuickBooks code it goes with ("" when none)."""

    rate: TaxRate
    code_id: str
    code_name: str
    chosen: bool  # chosen by the owner; else matched by name (or not matched)


def mapping_url() -> str:
    return reverse("integrations:tax_codes")


def needs_codes(connection: QuickBooksConnection | None) -> bool:
    """Whether this company's invoices need a QuickBooks tax code for their rates."""
    return bool(connection and connection.settings_snapshot) and rules.rates_need_codes(
        country=connection.country, snapshot=connection.settings_snapshot)


def company_codes(connection: QuickBooksConnection) -> dict[str, str]:
    """The company's tax codes by name, as last read."""
    return rules.company_tax_codes(country=connection.country,
                                   snapshot=connection.settings_snapshot or {})


def rates_to_map(connection: QuickBooksConnection):
    """The account's rates that need a QuickBooks tax code: all of them in Canada and the UK;
    in a US company without automated sales tax, those that charge tax (the others go as
    NON)."""
    rates = TaxRate.objects.filter(account=connection.account).order_by("name")
    return rates.filter(percentage__gt=0) if connection.country == "US" else rates


def rate_codes(connection: QuickBooksConnection) -> list[RateCode]:
    codes = company_codes(connection)
    names = {code_id: name for name, code_id in codes.items()}
    tax_map = connection.tax_code_map or {}
    result = []
    for rate in rates_to_map(connection):
        code_id = rules.tax_code_for_rate(rate_id=rate.pk, rate_name=rate.name,
                                          tax_codes=codes, tax_map=tax_map) or ""
        result.append(RateCode(rate=rate, code_id=code_id, code_name=names.get(code_id, ""),
                               chosen=str(rate.pk) in tax_map and bool(code_id)))
    return result


def connection_map_tax_rates(*, connection: QuickBooksConnection,
                             chosen: Mapping[int, str]) -> int:
    """Keep the codes chosen for the account's rates (rate id -> TaxCode id; "" = the code of
    the rate's own name). Rates of other accounts and codes the company does not have are
    left out. A choice that is the same-name code is not kept, so the rate follows its name.
    Returns how many invoices were blocked and are now sent again."""
    codes = company_codes(connection)
    known = set(codes.values())
    rates = {rate.pk: rate for rate in rates_to_map(connection)}
    with transaction.atomic():
        connection = QuickBooksConnection.objects.select_for_update().get(pk=connection.pk)
        tax_map = {key: value for key, value in (connection.tax_code_map or {}).items()
                   if key.isdigit() and int(key) in rates}
        for rate_id, code_id in chosen.items():
            rate = rates.get(rate_id)
            if rate is None or (code_id and code_id not in known):
                continue
            by_name = rules.tax_code_for_rate(rate_id=rate.pk, rate_name=rate.name,
                                              tax_codes=codes, tax_map={})
            if not code_id or code_id == by_name:
                tax_map.pop(str(rate.pk), None)
            else:
                tax_map[str(rate.pk)] = code_id
        changed = {int(key) for key in set(tax_map) ^ set(connection.tax_code_map or {})} | {
            int(key) for key in set(tax_map) & set(connection.tax_code_map or {})
            if tax_map[key] != connection.tax_code_map[key]}
        connection.tax_code_map = tax_map
        connection.save(update_fields=["tax_code_map"])
    return _retry_blocked(connection, rate_ids=changed)


def _retry_blocked(connection: QuickBooksConnection, *, rate_ids: set[int]) -> int:
    """Invoices (and refunds, which take their invoice's first rate) blocked here whose lines
    use a rate whose code changed go again: they wait in the outbox and sync as after Retry
    (one still without a code is blocked again, before anything is sent to QuickBooks)."""
    if not rate_ids:
        return 0
    blocked = SyncRecord.objects.filter(
        account=connection.account, realm_id=connection.realm_id,
        state=SyncRecord.State.BLOCKED,
    ).filter(
        Q(kind=SyncRecord.Kind.INVOICE, invoice__lines__tax_rate__in=rate_ids)
        | Q(kind=SyncRecord.Kind.REFUND,
            refund__payment__invoice__lines__tax_rate__in=rate_ids)).distinct()
    return retry(connection=connection, records=blocked)


def _line_tuple(name: str, rate: TaxRate | None) -> tuple[str, int | None, str, Decimal | None]:
    return (name, rate.pk if rate else None, rate.name if rate else "",
            rate.percentage if rate else None)


def line_problems(*, connection: QuickBooksConnection | None,
                  lines: Iterable[tuple[str, TaxRate | None]]) -> list[str]:
    """Sentences saying which of these (line name, tax rate) cannot go to QuickBooks and
    what to do, in the country's words; [] when they all can (or nothing needs codes)."""
    if not needs_codes(connection):
        return []
    no_rate, unmatched = rules.line_tax_problems(
        country=connection.country, snapshot=connection.settings_snapshot,
        tax_map=connection.tax_code_map or {},
        lines=[_line_tuple(name, rate) for name, rate in lines])
    words = rules.tax_words(connection.country)
    problems = []
    if no_rate:
        problems.append(
            f"{_listed('The line', 'The lines', no_rate)} {_has(no_rate)} no {words['rate']}, "
            f"and in {_country(connection.country)} every line QuickBooks takes needs one "
            "(0% and exempt are rates too). Choose one on "
            f"{'that line' if len(no_rate) == 1 else 'those lines'}.")
    if unmatched:
        problems.append(unmatched_sentence(connection.country, unmatched))
    return problems


def unmatched_sentence(country: str, names: list[str]) -> str:
    words = rules.tax_words(country)
    rate = words["rate"]
    return (f"{_listed(f'The {rate}', f'The {rate}s', names)} "
            f"{_has(names)} no QuickBooks {words['code']}. Choose one for "
            f"{'it' if len(names) == 1 else 'each'} in “Match {rate}s to QuickBooks”, or "
            "pick another rate.")


def product_problem(*, connection: QuickBooksConnection | None, taxable: bool,
                    default_tax_rate: TaxRate | None) -> str:
    """What stops a product's invoice lines going to QuickBooks as they come (with the
    product's default rate), or ""."""
    if not needs_codes(connection):
        return ""
    words = rules.tax_words(connection.country)
    where = _country(connection.country)
    if connection.country != "US" and not taxable:
        return (f"This product is not taxable, so its invoice lines get no {words['rate']}, "
                f"and in {where} QuickBooks takes no line without one (0% and exempt are "
                f"rates too). Tick Taxable and choose a default {words['rate']} (Exempt, "
                f"if it is), or choose a {words['rate']} on each of its lines.")
    if connection.country != "US" and default_tax_rate is None:
        return (f"This product has no default {words['rate']}: each of its invoice lines "
                f"needs one chosen before it can go to QuickBooks. Choose a default here.")
    if default_tax_rate is not None:
        [problem] = line_problems(connection=connection,
                                  lines=[("", default_tax_rate)]) or [""]
        return problem
    return ""


def products_with_problems(connection: QuickBooksConnection | None) -> list[str]:
    """The account's products whose lines cannot go to QuickBooks with their defaults."""
    if not needs_codes(connection):
        return []
    products = Product.objects.filter(account=connection.account).select_related(
        "default_tax_rate")
    return [product.display_name for product in products
            if product_problem(connection=connection, taxable=product.taxable,
                               default_tax_rate=product.default_tax_rate)]


def _listed(one: str, many: str, names: list[str]) -> str:
    quoted = ", ".join(f"“{name}”" for name in names)
    return f"{one if len(names) == 1 else many} {quoted}"


def _has(names: list[str]) -> str:
    return "has" if len(names) == 1 else "have"


def _country(country: str) -> str:
    return {"GB": "the UK", "CA": "Canada"}.get(country, "this QuickBooks company")
