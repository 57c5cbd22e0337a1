"""The sandbox's HTML: the Intuit-style consent screen, home page, index, and the bookkeeper
pages (receive payment, void / delete confirmation, Customers and Products and Services
lists). The transaction pages (invoice, payment, receipts, expense, deposit) and the Sales and
Expenses lists are in `books_pages`.

Self-contained (inline CSS, no CDN, no JavaScript) so the demo works offline; every value
shown is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

# Intuit's green is #2ca01c; white text on it is 3.4:1, below WCAG AA (4.5:1), so headers and
# buttons use the darker #1e7b12 (5.4:1), as hatsync's own pages must pass axe.
_CSS = """
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,Helvetica,Arial,sans-serif;background:#f4f5f8;color:#393a3d}
header{background:#1e7b12;color:#fff;padding:14px 28px;font-weight:600;font-size:18px}
header small{font-weight:400;margin-left:8px}
main{max-width:760px;margin:32px auto;background:#fff;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12);padding:28px 32px}
h1{font-size:22px;margin:0 0 8px}p.lead{color:#6b6c72;margin:0 0 20px}
.company{display:flex;align-items:center;justify-content:space-between;border:1px solid #dcdde1;
border-radius:6px;padding:14px 16px;margin-bottom:10px}
.company .name{font-weight:600}.company .meta{color:#6b6c72;font-size:13px}
button,.button{background:#1e7b12;color:#fff;border:0;border-radius:4px;padding:9px 18px;
font-size:14px;font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#393a3d;border:1px solid #8d9096}
.actions{margin-top:18px;text-align:right}.error{color:#d52b1e}
table{width:100%;border-collapse:collapse;margin:14px 0}th,td{text-align:left;padding:8px;
border-bottom:1px solid #eceef1;font-size:14px}td.num,th.num{text-align:right}
.status{display:inline-block;padding:3px 10px;border-radius:12px;font-size:12px;font-weight:600}
.Paid{background:#dff3da;color:#1e7b12}.Open{background:#fff3d6;color:#8a5a00}
.Voided{background:#eceef1;color:#6b6c72}.Partial{background:#e5f0fb;color:#0b5ea8}
dl{display:grid;grid-template-columns:minmax(0,max-content) 1fr;gap:6px 12px;font-size:14px}
dt{color:#6b6c72}.scroll{overflow-x:auto}
footer{text-align:center;color:#6b6c72;font-size:12px;margin:24px}
nav{background:#fff;border-bottom:1px solid #dcdde1;padding:0 28px}nav a{display:inline-block;
padding:12px 14px;color:#393a3d;text-decoration:none;font-size:14px;font-weight:600;
border-bottom:3px solid transparent}nav a.on{border-bottom-color:#2ca01c}
.notice{background:#dff3da;color:#1e7b12;padding:10px 14px;border-radius:4px;margin:0 0 16px}
p.error.box{background:#fdecea;padding:10px 14px;border-radius:4px;margin:0 0 16px}
.button.secondary{background:#fff;color:#393a3d;border:1px solid #8d9096}
button.danger,.button.danger{background:#d52b1e}button.small{padding:5px 10px;font-size:13px}
form.inline{display:inline;margin:0}.muted{color:#6b6c72}
.actions a,.actions form,.actions button{margin-left:6px}
form.fields label{display:block;font-size:13px;color:#6b6c72;margin:14px 0 4px}
form.fields input,form.fields select{width:100%;max-width:320px;padding:8px;font-size:14px;
border:1px solid #8d9096;border-radius:4px;background:#fff;color:#393a3d}
.Active{background:#dff3da;color:#1e7b12}.Inactive{background:#eceef1;color:#6b6c72}
h2{font-size:17px;margin:22px 0 4px}
.Closed{background:#dff3da;color:#1e7b12}.Unapplied{background:#fff3d6;color:#8a5a00}
table.totals{width:auto;min-width:min(100%,340px);margin:8px 0 14px auto}
table.totals th{font-weight:400;color:#6b6c72}table.totals td{padding-left:24px}
table.totals tr.total th,table.totals tr.total td,table.totals tr.balance th,
table.totals tr.balance td{font-weight:700;color:#393a3d}
"""


def page(title: str, body: str, nav: str = "") -> str:
    """A whole page; `nav` (already HTML, see `company_nav`) goes under the header."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{escape(title)}"
        f"</title><style>{_CSS}</style></head><body><header>intuit quickbooks"
        f"<small>local sandbox</small></header>{nav}"
        f"<main>{body}</main><footer>qbo_sandbox: a local stand-in for Intuit's QuickBooks "
        "Online. Nothing here reaches Intuit.</footer></body></html>"
    )


def consent(companies: list[dict[str, Any]], params: dict[str, str], app_name: str = "") -> str:
    """Intuit's consent page: names the app (its display name, as registered with Intuit)."""
    hidden = "".join(
        f"<input type=hidden name='{escape(k)}' value='{escape(v)}'>"
        for k, v in params.items()
        if k in ("client_id", "redirect_uri", "state", "scope", "response_type")
    )
    rows = "".join(
        f"<div class=company><div><div class=name>{escape(c['name'])}</div>"
        f"<div class=meta>{escape(c['country'])} &middot; Company ID {escape(c['realm_id'])}"
        f"</div></div><form method=post>{hidden}"
        f"<input type=hidden name=realm_id value='{escape(c['realm_id'])}'>"
        f"<button name=action value=connect>Connect</button></form></div>"
        for c in companies
    ) or "<p class=error>There are no companies. Create one with POST /_sandbox/companies.</p>"
    return page(
        "Connect to QuickBooks",
        "<h1>Connect your QuickBooks company</h1>"
        "<p class=lead>The app <b>" + escape(app_name or params.get("client_id", ""))
        + "</b> wants to read "
        "and write your accounting data (customers, products, invoices and payments). Choose "
        f"the company to connect.</p>{rows}<div class=actions><form method=post>{hidden}"
        "<button class=secondary name=action value=cancel>Cancel</button></form></div>",
    )


def error(title: str, message: str) -> str:
    return page(title, f"<h1>{escape(title)}</h1><p class=error>{escape(message)}</p>")


def invoice_status(invoice: dict[str, Any]) -> str:
    if invoice.get("PrivateNote") == "Voided":
        return "Voided"
    if float(invoice.get("Balance", 0)) == 0:
        return "Paid"
    if float(invoice.get("Balance", 0)) < float(invoice.get("TotalAmt", 0)):
        return "Partial"
    return "Open"


def homepage(company: dict[str, Any], invoices: list[dict[str, Any]], base: str, *,
             notice: str = "") -> str:
    realm = company["realm_id"]
    rows = "".join(
        f"<tr><td><a href='{escape(link(base, '/app/invoice', txnId=i['Id'], realmId=realm))}'>"
        f"{escape(str(i.get('DocNumber', '')))}</a></td>"
        f"<td>{escape(i['CustomerRef'].get('name', ''))}</td>"
        f"<td>{escape(i.get('TxnDate', ''))}</td><td class=num>{float(i['TotalAmt']):.2f}</td>"
        f"<td class=num>{float(i['Balance']):.2f}</td><td><span class='status "
        f"{invoice_status(i)}'>{invoice_status(i)}</span></td></tr>"
        for i in invoices
    ) or "<tr><td colspan=6>No invoices yet.</td></tr>"
    return page(
        company["name"],
        f"{_notice(notice)}<h1>{escape(company['name'])}</h1><p class=lead>"
        f"{escape(company['country'])} &middot; "
        f"Company ID {escape(realm)}</p><h2>Invoices</h2><div class=scroll><table><tr>"
        "<th>No.</th>"
        "<th>Customer</th><th>Date</th><th class=num>Total</th><th class=num>Balance</th>"
        f"<th>Status</th></tr>{rows}</table></div>",
        company_nav(base, realm, "invoices"),
    )


def index(companies: list[dict[str, Any]], base: str) -> str:
    rows = "".join(
        f"<div class=company><div><div class=name>{escape(c['name'])}</div><div class=meta>"
        f"{escape(c['country'])} &middot; Company ID {escape(c['realm_id'])}</div></div>"
        f"<a class=button href='{base}/app/homepage?realmId={escape(c['realm_id'])}'>Open</a>"
        "</div>"
        for c in companies
    )
    return page(
        "QBO sandbox",
        "<h1>QuickBooks Online sandbox</h1><p class=lead>A local stand-in for Intuit's OAuth "
        "server and Accounting API v3. Discovery document: "
        f"<code>{base}/.well-known/openid_sandbox_configuration/</code>; API base "
        f"<code>{base}/v3</code>; control API <code>{base}/_sandbox/</code>.</p>{rows}",
    )


# bookkeeper pages -------------------------------------------------------------------------
# What a person does in QuickBooks: receive a payment, void or delete an invoice, make a
# customer or a product inactive. Forms POST to relative URLs (the CSP says form-action
# 'self'), carry the CSRF token in a hidden field, and need no JavaScript.

CSRF_FIELD = "csrf_token"
DELETED_SUFFIX = " (deleted)"  # what QBO appends to an inactive customer's or item's name
# Payment methods offered when the company has no PaymentMethod entities (no ref is sent).
PLAIN_PAYMENT_METHODS = ("Cash", "Check")


def link(base: str, path: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}{path}" + (f"?{query}" if query else "")


def _notice(text: str) -> str:
    return f"<p class=notice role=status>{escape(text)}</p>" if text else ""


def _error_box(text: str) -> str:
    return f"<p class='error box' role=alert>{escape(text)}</p>" if text else ""


def _hidden(**fields: Any) -> str:
    return "".join(f"<input type=hidden name='{escape(k)}' value='{escape(str(v))}'>"
                   for k, v in fields.items())


def _shown_amount(value: Any) -> str:
    """An amount for a page: two decimals, or the value escaped as it is."""
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return escape(str(value))


def company_nav(base: str, realm: str, current: str) -> str:
    """The tabs under the header: Invoices (the home page), Sales, Expenses, Customers,
    Products and Services, Apps."""
    tabs = (("invoices", "/app/homepage", "Invoices"), ("sales", "/app/sales", "Sales"),
            ("expenses", "/app/expenses", "Expenses"), ("customers", "/app/customers",
            "Customers"), ("items", "/app/items", "Products and Services"),
            ("apps", "/app/apps", "Apps"))
    return "<nav>" + "".join(
        f"<a href='{escape(link(base, path, realmId=realm))}'"
        f"{' class=on' if key == current else ''}>{label}</a>"
        for key, path, label in tabs
    ) + "</nav>"


def invoice_actions(company: dict[str, Any], inv: dict[str, Any], base: str) -> str:
    """The buttons under an invoice: Receive payment (while it is open), Void, Delete."""
    ids = {"txnId": inv["Id"], "realmId": company["realm_id"]}
    voided = invoice_status(inv) == "Voided"
    links = []
    if not voided and float(inv.get("Balance", 0)) > 0:
        links.append(f"<a class=button href='{escape(link(base, '/app/recvpayment', **ids))}'>"
                     "Receive payment</a>")
    if not voided:
        links.append(f"<a class='button secondary' href='"
                     f"{escape(link(base, '/app/invoice/void', **ids))}'>Void</a>")
    links.append(f"<a class='button danger' href='"
                 f"{escape(link(base, '/app/invoice/delete', **ids))}'>Delete</a>")
    return f"<div class=actions>{''.join(links)}</div>"


def _options(choices: list[tuple[str, str]], selected: str) -> str:
    return "".join(
        f"<option value='{escape(value)}'{' selected' if value == selected else ''}>"
        f"{escape(label)}</option>"
        for value, label in choices
    )


def receive_payment(
    company: dict[str, Any],
    inv: dict[str, Any],
    base: str,
    *,
    methods: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    values: dict[str, str],
    csrf: str,
    error: str = "",
) -> str:
    """QuickBooks' "Receive payment" for one invoice. `methods`: the company's active
    PaymentMethod entities (none: Cash / Check offered, sent as no ref); `accounts`: the
    Bank and Undeposited Funds accounts it may deposit to (none: no deposit choice);
    `values`: the form's current values (amount, txnDate, paymentMethod, refNum,
    depositTo)."""
    realm = company["realm_id"]
    invoice_url = link(base, "/app/invoice", txnId=inv["Id"], realmId=realm)
    method_choices = [("", "Choose payment method")] + (
        [(str(m["Id"]), str(m.get("Name", m["Id"]))) for m in methods] if methods
        else [(name, name) for name in PLAIN_PAYMENT_METHODS])
    method_hint = "" if methods else (
        "<p class=muted>This company has no payment methods, so the payment is saved without "
        "a PaymentMethodRef; the method chosen is written in its memo.</p>")
    if accounts:
        deposit = (
            "<label for=depositTo>Deposit to</label><select id=depositTo name=depositTo>"
            + _options([(str(a["Id"]), str(a.get("Name", a["Id"]))) for a in accounts],
                       values.get("depositTo", ""))
            + "</select>"
        )
    else:
        deposit = ("<p class=muted>This company has no bank or Undeposited Funds account, so "
                   "the payment is saved without a DepositToAccountRef.</p>")
    paid_off = invoice_status(inv) in ("Voided", "Paid")
    form = (
        "<p class=muted>This invoice has no open balance to receive a payment on.</p>"
        if paid_off else
        "<form method=post action='/app/recvpayment' class=fields>"
        + _hidden(**{CSRF_FIELD: csrf, "realmId": realm, "txnId": inv["Id"]})
        + "<label for=amount>Amount received</label><input id=amount name=amount "
        f"inputmode=decimal required value='{escape(values.get('amount', ''))}'>"
        "<label for=txnDate>Payment date</label><input id=txnDate name=txnDate type=date "
        f"value='{escape(values.get('txnDate', ''))}'>"
        "<label for=paymentMethod>Payment method</label><select id=paymentMethod "
        "name=paymentMethod>" + _options(method_choices, values.get("paymentMethod", ""))
        + f"</select>{method_hint}"
        "<label for=refNum>Reference no.</label><input id=refNum name=refNum maxlength=21 "
        f"value='{escape(values.get('refNum', ''))}'>{deposit}"
        f"<div class=actions><a class='button secondary' href='{escape(invoice_url)}'>Cancel"
        "</a><button>Save payment</button></div></form>"
    )
    return page(
        "Receive payment",
        f"{_error_box(error)}<h1>Receive payment</h1><p class=lead>"
        f"{escape(str(inv['CustomerRef'].get('name', '')))} &middot; Invoice "
        f"<a href='{escape(invoice_url)}'>{escape(str(inv.get('DocNumber', '')))}</a> &middot; "
        f"open balance {_shown_amount(inv.get('Balance', 0))}</p>{form}",
        company_nav(base, realm, "invoices"),
    )


def confirm_invoice(
    company: dict[str, Any], inv: dict[str, Any], base: str, action: str, *, csrf: str,
    error: str = "",
) -> str:
    """The confirmation step before voiding (`action` "void") or deleting ("delete")."""
    realm = company["realm_id"]
    number = escape(str(inv.get("DocNumber", "")))
    invoice_url = link(base, "/app/invoice", txnId=inv["Id"], realmId=realm)
    if action == "void":
        what = ("Voiding keeps the invoice but sets its amounts and balance to 0 and marks it "
                "Voided. Payments applied to it become unapplied credit for the customer.")
        button = "<button class=danger>Yes, void it</button>"
    else:
        what = ("Deleting removes the invoice for good. Payments applied to it become "
                "unapplied credit for the customer.")
        button = "<button class=danger>Yes, delete it</button>"
    return page(
        f"{action.capitalize()} invoice {inv.get('DocNumber', '')}",
        f"{_error_box(error)}<h1>{action.capitalize()} invoice {number}?</h1>"
        f"<p class=lead>{escape(str(inv['CustomerRef'].get('name', '')))} &middot; total "
        f"{_shown_amount(inv.get('TotalAmt', 0))} &middot; balance "
        f"{_shown_amount(inv.get('Balance', 0))}"
        f"</p><p>{what}</p><form method=post action='/app/invoice/{escape(action)}' "
        "class=actions>"
        + _hidden(**{CSRF_FIELD: csrf, "realmId": realm, "txnId": inv["Id"],
                     "syncToken": inv.get("SyncToken", "")})
        + f"<a class='button secondary' href='{escape(invoice_url)}'>Cancel</a>{button}</form>",
        company_nav(base, realm, "invoices"),
    )


def _active_form(entity_path: str, realm: str, entity: dict[str, Any], csrf: str) -> str:
    active = entity.get("Active", True) is not False
    return (
        f"<form method=post action='/app/{entity_path}/active' class=inline>"
        + _hidden(**{CSRF_FIELD: csrf, "realmId": realm, "id": entity["Id"],
                     "syncToken": entity.get("SyncToken", ""),
                     "active": "false" if active else "true"})
        + ("<button class='small secondary'>Make inactive</button>" if active
           else "<button class=small>Make active</button>")
        + "</form>"
    )


def _active_status(entity: dict[str, Any]) -> str:
    state = "Active" if entity.get("Active", True) is not False else "Inactive"
    return f"<span class='status {state}'>{state}</span>"


def customers(company: dict[str, Any], people: list[dict[str, Any]], base: str, *, csrf: str,
              notice: str = "", error: str = "") -> str:
    """The Customers list (inactive ones too), each with Make inactive / Make active."""
    realm = company["realm_id"]
    rows = "".join(
        f"<tr><td>{escape(str(c.get('DisplayName', '')))}</td>"
        f"<td>{escape(str(c.get('PrimaryEmailAddr', {}).get('Address', '')))}</td>"
        f"<td class=num>{_shown_amount(c.get('Balance', 0))}</td><td>{_active_status(c)}</td>"
        f"<td>{_active_form('customers', realm, c, csrf)}</td></tr>"
        for c in people
    ) or "<tr><td colspan=5>No customers yet.</td></tr>"
    return page(
        f"Customers - {company['name']}",
        f"{_notice(notice)}{_error_box(error)}<h1>Customers</h1><p class=lead>"
        f"{escape(company['name'])}</p><div class=scroll><table><tr><th>Name</th>"
        "<th>Email</th><th class=num>Open balance</th><th>Status</th><th>Action</th></tr>"
        f"{rows}</table></div>{merge_form('customers', realm, people, 'DisplayName', csrf)}",
        company_nav(base, realm, "customers"),
    )


def items(company: dict[str, Any], products: list[dict[str, Any]], base: str, *, csrf: str,
          notice: str = "", error: str = "") -> str:
    """The Products and Services list (inactive ones too), each with Make inactive / active."""
    realm = company["realm_id"]
    rows = "".join(
        f"<tr><td>{escape(str(i.get('Name', '')))}</td><td>{escape(str(i.get('Type', '')))}"
        f"</td><td>{escape(str(i.get('IncomeAccountRef', {}).get('name', '')))}</td>"
        f"<td class=num>{_shown_amount(i.get('UnitPrice', 0))}</td><td>{_active_status(i)}</td>"
        f"<td>{_active_form('items', realm, i, csrf)}</td></tr>"
        for i in products
    ) or "<tr><td colspan=6>No products or services yet.</td></tr>"
    return page(
        f"Products and Services - {company['name']}",
        f"{_notice(notice)}{_error_box(error)}<h1>Products and Services</h1><p class=lead>"
        f"{escape(company['name'])}</p><div class=scroll><table><tr><th>Name</th>"
        "<th>Type</th><th>Income account</th><th class=num>Price</th><th>Status</th>"
        f"<th>Action</th></tr>{rows}</table></div>"
        f"{merge_form('items', realm, products, 'Name', csrf)}",
        company_nav(base, realm, "items"),
    )


def apps(company: dict[str, Any], base: str, *, app_name: str, connected: bool,
         launch_url: str, csrf: str, notice: str = "") -> str:
    """QuickBooks' Apps page (My Apps): the app connected to this company, with Launch
    (QuickBooks opens the app's Launch URL) and Disconnect (revokes the app's tokens, then
    sends the browser to its Disconnect URL)."""
    realm = company["realm_id"]
    if connected:
        actions = (
            f"<a class=button href='{escape(launch_url)}'>Launch</a> "
            "<form method=post action='/app/apps/disconnect' "
            f"class=inline>{_hidden(realmId=realm, **{CSRF_FIELD: csrf})}"
            "<button type=submit>Disconnect</button></form>"
        )
        status = "Connected"
    else:
        actions, status = "", "Not connected"
    return page(
        f"Apps - {company['name']}",
        f"{_notice(notice)}<h1>My Apps</h1><p class=lead>{escape(company['name'])}</p>"
        f"<div class=scroll><table><tr><th>App</th><th>Status</th><th>Action</th></tr>"
        f"<tr><td>{escape(app_name)}</td><td>{status}</td><td>{actions}</td></tr></table></div>",
        company_nav(base, realm, "apps"),
    )


def merge_form(entity_path: str, realm: str, entities: list[dict[str, Any]], name_field: str,
               csrf: str) -> str:
    """QuickBooks' merge: the first one's transactions move to the second, and the first is
    deleted (merges.py). Active ones only."""
    active = [(str(e["Id"]), str(e.get(name_field, ""))) for e in entities
              if e.get("Active", True) is not False]
    if len(active) < 2:
        return ""
    return (
        f"<h2>Merge</h2><form method=post action='/app/{entity_path}/merge'>"
        + _hidden(**{CSRF_FIELD: csrf, "realmId": realm})
        + "<label for=merge-deleted>Merge</label> "
        + f"<select id=merge-deleted name=deleted>{_options(active, '')}</select> "
        + "<label for=merge-survivor>into</label> "
        + f"<select id=merge-survivor name=survivor>{_options(active, active[-1][0])}</select>"
        + " <button>Merge</button></form>"
    )


def switch_link(base: str, realm: str) -> str:
    return link(base, "/app/switchCompany", companyId=realm)


def choose_company(companies: list[dict[str, Any]], base: str) -> str:
    """QuickBooks' company selection: which company this browser works in next."""
    rows = "".join(
        f"<div class=company><div><div class=name>{escape(c['name'])}</div><div class=meta>"
        f"{escape(c['country'])} &middot; Company ID {escape(c['realm_id'])}</div></div>"
        f"<a class=button href='{escape(switch_link(base, c['realm_id']))}'>Open</a></div>"
        for c in companies
    ) or "<p>No companies yet.</p>"
    return page(
        "Choose a company",
        "<h1>Choose a company</h1><p class=lead>You have more than one company. Links open "
        f"in the company you choose, until you switch to another.</p>{rows}",
    )
