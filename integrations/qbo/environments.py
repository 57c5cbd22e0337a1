"""Where each QuickBooks environment lives: the OAuth discovery document, API and app URLs."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Environment:
    name: str
    discovery: str  # what AuthClient(environment=...) takes: "sandbox", "production" or a URL
    api_url: str  # .../v3
    app_url: str  # where a person views an invoice


def environment(name: str | None = None) -> Environment:
    name = name or settings.QBO_ENVIRONMENT
    if name == "production":
        return Environment(
            name, "production", "https://quickbooks.api.intuit.com/v3",
            "https://app.qbo.intuit.com",
        )
    if name == "sandbox":
        return Environment(
            name, "sandbox", "https://sandbox-quickbooks.api.intuit.com/v3",
            "https://app.sandbox.qbo.intuit.com",
        )
    base = settings.QBO_LOCAL_SANDBOX_URL
    return Environment(
        "local", f"{base}/.well-known/openid_sandbox_configuration/", f"{base}/v3", base
    )
