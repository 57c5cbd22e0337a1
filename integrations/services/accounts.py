"""The QuickBooks accounts money goes to: deposits, discounts and processing fees.

The company's chart of accounts is read once (at connect and on “Re-check settings”) and kept
in `connection.settings_snapshot["accounts"]` as a short list of
`{"id", "name", "type", "sub_type"}`. The owner may choose an account for each purpose on the
Integrations page (stored on the connection); when none is chosen QuickBooks' own default
applies. Other services ask here for the account id to use:

    deposit_account_id(connection), discount_account_id(connection), fee_account_id(connection)

each returning the chosen id, else the default found in the snapshot, else "".
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import QuickBooksConnection

ACCOUNTS_QUERY = "select * from Account where Active = true maxresults 1000"

# Intuit's AccountType / AccountSubType values (the API's spelling).
UNDEPOSITED_FUNDS = "UndepositedFunds"
DISCOUNTS_GIVEN = "DiscountsRefundsGiven"
BANK_CHARGES = "BankCharges"
BANK = "Bank"
INCOME = "Income"
EXPENSE = "Expense"

DEPOSIT, DISCOUNT, FEE = "deposit", "discount", "fee"
FIELD_FOR = {
    DEPOSIT: "deposit_account_id",
    DISCOUNT: "discount_account_id",
    FEE: "fee_account_id",
}


@dataclass(frozen=True)
class AccountChoice:
    """One account the owner may pick for a purpose; `is_default` marks QuickBooks' default."""

    id: str
    name: str
    is_default: bool


# ---- pure: reading QuickBooks' answer and picking defaults ----

def accounts_from_qbo(rows: Sequence[dict]) -> list[dict]:
    """The few fields kept of each QBO Account (sub-accounts under their full `A:B` name)."""
    return [
        {
            "id": str(row.get("Id", "")),
            "name": row.get("FullyQualifiedName") or row.get("Name", ""),
            "type": row.get("AccountType", ""),
            "sub_type": row.get("AccountSubType", ""),
        }
        for row in rows
        if row.get("Id") and row.get("Active", True)
    ]


def default_deposit_account(accounts: Sequence[dict]) -> dict | None:
    """QuickBooks deposits a payment sent without DepositToAccountRef to Undeposited Funds."""
    return next((a for a in accounts if a["sub_type"] == UNDEPOSITED_FUNDS), None)


def default_discount_account(accounts: Sequence[dict]) -> dict | None:
    """QuickBooks books a discount line without DiscountAccountRef to the company's
    DiscountsRefundsGiven account, which Intuit names “Discounts given” (a company may have
    more than one of that sub type, e.g. “Refunds-Allowances”: the named one wins)."""
    given = [a for a in accounts if a["sub_type"] == DISCOUNTS_GIVEN]
    named = next((a for a in given if a["name"].strip().lower() == "discounts given"), None)
    return named or (given[0] if given else None)


def default_fee_account(accounts: Sequence[dict]) -> dict | None:
    """Card processing fees: an expense account named like “Merchant … fees”, else the
    company's Bank Charges (sub type BankCharges) account."""
    expenses = [a for a in accounts if a["type"] == EXPENSE]
    merchant = next(
        (a for a in expenses
         if a["name"].lower().startswith("merchant") and "fee" in a["name"].lower()),
        None,
    )
    return merchant or next((a for a in expenses if a["sub_type"] == BANK_CHARGES), None)


DEFAULT_FOR = {
    DEPOSIT: default_deposit_account,
    DISCOUNT: default_discount_account,
    FEE: default_fee_account,
}


def accounts_allowed(purpose: str, accounts: Sequence[dict]) -> list[dict]:
    """The accounts the owner may pick for a purpose, the default first.

    Deposits: Undeposited Funds or any Bank account. Discounts: income accounts of sub type
    DiscountsRefundsGiven, or any Income account. Fees: Expense accounts."""
    if purpose == DEPOSIT:
        allowed = [a for a in accounts if a["sub_type"] == UNDEPOSITED_FUNDS or a["type"] == BANK]
    elif purpose == DISCOUNT:
        allowed = [a for a in accounts if a["type"] == INCOME]
        allowed.sort(key=lambda a: a["sub_type"] != DISCOUNTS_GIVEN)
    elif purpose == FEE:
        allowed = [a for a in accounts if a["type"] == EXPENSE]
    else:
        raise ValueError(f"unknown purpose {purpose!r}")
    default = DEFAULT_FOR[purpose](accounts)
    if default is not None and default in allowed:
        allowed.remove(default)
        allowed.insert(0, default)
    return allowed


# ---- reading the connection ----

def snapshot_accounts(connection: QuickBooksConnection) -> list[dict]:
    return list((connection.settings_snapshot or {}).get("accounts") or [])


def account_choices(connection: QuickBooksConnection, purpose: str) -> list[AccountChoice]:
    accounts = snapshot_accounts(connection)
    default = DEFAULT_FOR[purpose](accounts)
    return [
        AccountChoice(id=a["id"], name=a["name"], is_default=a is default)
        for a in accounts_allowed(purpose, accounts)
    ]


def default_account_id(connection: QuickBooksConnection, purpose: str) -> str:
    default = DEFAULT_FOR[purpose](snapshot_accounts(connection))
    return default["id"] if default else ""


def chosen_account_id(connection: QuickBooksConnection, purpose: str) -> str:
    """The id the owner chose ("" when QuickBooks' default applies)."""
    return getattr(connection, FIELD_FOR[purpose]) or ""


def account_name(connection: QuickBooksConnection, account_id: str) -> str:
    return next((a["name"] for a in snapshot_accounts(connection) if a["id"] == account_id), "")


def deposit_account_id(connection: QuickBooksConnection) -> str:
    """Where payments are deposited: the chosen account, else Undeposited Funds, else ""."""
    return chosen_account_id(connection, DEPOSIT) or default_account_id(connection, DEPOSIT)


def discount_account_id(connection: QuickBooksConnection) -> str:
    """Where discounts are booked: the chosen account, else “Discounts given”, else ""."""
    return chosen_account_id(connection, DISCOUNT) or default_account_id(connection, DISCOUNT)


def fee_account_id(connection: QuickBooksConnection) -> str:
    """Where processing fees are booked: the chosen account, else “Merchant account fees” /
    Bank Charges, else ""."""
    return chosen_account_id(connection, FEE) or default_account_id(connection, FEE)


# ---- reading QuickBooks and saving the owner's choice ----

def read_accounts(client) -> list[dict]:
    """The company's active accounts, in one query."""
    return accounts_from_qbo(client.query(ACCOUNTS_QUERY))


class AccountChoiceError(Exception):
    """The chosen account is not one that may be used for that purpose."""


def connection_choose_accounts(
    *, connection: QuickBooksConnection, deposit: str, discount: str, fee: str
) -> str:
    """Store the accounts chosen on the Integrations page ("" = QuickBooks' default).

    Only accounts listed for the purpose are accepted. Returns a sentence for the owner."""
    accounts = snapshot_accounts(connection)
    chosen = {DEPOSIT: deposit or "", DISCOUNT: discount or "", FEE: fee or ""}
    for purpose, account_id in chosen.items():
        if account_id and account_id not in {a["id"] for a in accounts_allowed(purpose, accounts)}:
            raise AccountChoiceError(
                "That account is not one QuickBooks can use for this. Press Re-check settings "
                "to read the company's accounts again, then choose from the list."
            )
    for purpose, account_id in chosen.items():
        setattr(connection, FIELD_FOR[purpose], account_id)
    connection.save(update_fields=list(FIELD_FOR.values()))
    target = deposit_account_id(connection)
    name = account_name(connection, target) or "Undeposited Funds"
    return (
        f"Payments recorded from now on go to {name}; payments already in QuickBooks stay "
        "where they are."
    )


PURPOSE_LABELS = {
    DEPOSIT: "Payments are deposited to",
    DISCOUNT: "Discounts are booked to",
    FEE: "Processing fees are booked to",
}


def accounts_checklist(connection: QuickBooksConnection) -> list[dict]:
    """The three accounts money goes to, for the settings checklist (the default marked)."""
    items = []
    for purpose, label in PURPOSE_LABELS.items():
        chosen = chosen_account_id(connection, purpose)
        default = default_account_id(connection, purpose)
        target = chosen or default
        name = account_name(connection, target)
        if chosen and chosen != default:
            shown = f"{name or 'account ' + chosen} (chosen by you)"
        elif name:
            shown = f"{name} (QuickBooks' default)"
        else:
            shown = "QuickBooks' own default"
        items.append({
            "key": f"{purpose}_account",
            "label": f"{label}: {shown}",
            "ok": bool(target) or purpose != FEE,
            "applicable": True,
            "fix": "Add an Expense account for card fees in QuickBooks (for example "
                   "“Merchant account fees”), press Re-check settings, then choose it below.",
        })
    return items
