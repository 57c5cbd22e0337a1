"""The sandbox's HTML: the Intuit-style consent screen, QBO invoice view, home page, index.

Self-contained (inline CSS, no CDN) so the demo works offline.
"""

from __future__ import annotations

from html import escape
from typing import Any

_CSS = """
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,Helvetica,Arial,sans-serif;background:#f4f5f8;color:#393a3d}
header{background:#2ca01c;color:#fff;padding:14px 28px;font-weight:600;font-size:18px}
header small{font-weight:400;opacity:.85;margin-left:8px}
main{max-width:760px;margin:32px auto;background:#fff;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12);padding:28px 32px}
h1{font-size:22px;margin:0 0 8px}p.lead{color:#6b6c72;margin:0 0 20px}
.company{display:flex;align-items:center;justify-content:space-between;border:1px solid #dcdde1;
border-radius:6px;padding:14px 16px;margin-bottom:10px}
.company .name{font-weight:600}.company .meta{color:#6b6c72;font-size:13px}
button,.button{background:#2ca01c;color:#fff;border:0;border-radius:4px;padding:9px 18px;
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
footer{text-align:center;color:#8d9096;font-size:12px;margin:24px}
"""


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{escape(title)}"
        f"</title><style>{_CSS}</style></head><body><header>intuit quickbooks"
        "<small>local sandbox</small></header>"
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


def invoice(company: dict[str, Any], inv: dict[str, Any], home_url: str) -> str:
    lines = "".join(
        "<tr><td>{item}</td><td>{desc}</td><td class=num>{qty}</td><td class=num>{price}</td>"
        "<td>{tax}</td><td class=num>{amount:.2f}</td></tr>".format(
            item=escape(str(line["SalesItemLineDetail"].get("ItemRef", {}).get("name", ""))),
            desc=escape(str(line.get("Description", ""))),
            qty=escape(str(line["SalesItemLineDetail"].get("Qty", ""))),
            price=escape(str(line["SalesItemLineDetail"].get("UnitPrice", ""))),
            tax=escape(str(line["SalesItemLineDetail"].get("TaxCodeRef", {}).get("value", ""))),
            amount=float(line["Amount"]),
        )
        for line in inv.get("Line", [])
        if line.get("DetailType") == "SalesItemLineDetail"
    )
    status = invoice_status(inv)
    tax = float(inv.get("TxnTaxDetail", {}).get("TotalTax", 0))
    return page(
        f"Invoice {inv.get('DocNumber', '')}",
        f"<h1>Invoice {escape(str(inv.get('DocNumber', '')))} "
        f"<span class='status {status}'>{status}</span></h1>"
        f"<p class=lead>{escape(company['name'])} &middot; <a href='{escape(home_url)}'>All "
        "invoices</a></p><dl>"
        f"<dt>Customer</dt><dd>{escape(inv['CustomerRef'].get('name', ''))}</dd>"
        f"<dt>Invoice date</dt><dd>{escape(inv.get('TxnDate', ''))}</dd>"
        f"<dt>Due date</dt><dd>{escape(inv.get('DueDate', ''))}</dd>"
        f"<dt>Transaction ID</dt><dd>{escape(inv['Id'])}</dd></dl>"
        "<div class=scroll><table><tr><th>Product/service</th><th>Description</th>"
        "<th class=num>Qty</th>"
        f"<th class=num>Rate</th><th>Tax</th><th class=num>Amount</th></tr>{lines}</table>"
        "</div><dl>"
        f"<dt>Tax</dt><dd>{tax:.2f}</dd>"
        f"<dt>Total</dt><dd><b>{float(inv['TotalAmt']):.2f}</b></dd>"
        f"<dt>Balance due</dt><dd>{float(inv['Balance']):.2f}</dd></dl>",
    )


def homepage(company: dict[str, Any], invoices: list[dict[str, Any]], base: str) -> str:
    realm = company["realm_id"]
    rows = "".join(
        f"<tr><td><a href='{base}/app/invoice?txnId={escape(i['Id'])}&realmId={realm}'>"
        f"{escape(str(i.get('DocNumber', '')))}</a></td>"
        f"<td>{escape(i['CustomerRef'].get('name', ''))}</td>"
        f"<td>{escape(i.get('TxnDate', ''))}</td><td class=num>{float(i['TotalAmt']):.2f}</td>"
        f"<td class=num>{float(i['Balance']):.2f}</td><td><span class='status "
        f"{invoice_status(i)}'>{invoice_status(i)}</span></td></tr>"
        for i in invoices
    ) or "<tr><td colspan=6>No invoices yet.</td></tr>"
    return page(
        company["name"],
        f"<h1>{escape(company['name'])}</h1><p class=lead>{escape(company['country'])} &middot; "
        f"Company ID {escape(realm)}</p><div class=scroll><table><tr><th>No.</th>"
        "<th>Customer</th><th>Date</th><th class=num>Total</th><th class=num>Balance</th>"
        f"<th>Status</th></tr>{rows}</table></div>",
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
