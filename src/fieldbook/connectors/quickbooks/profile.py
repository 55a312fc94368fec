"""QuickBooks Online as it declares itself to the generic layers (reference sheet sections)."""

from __future__ import annotations

from datetime import timedelta

from fieldbook.connectors.limiter import Limit
from fieldbook.connectors.profile import (
    OAUTH_PARAMETERS,
    PRODUCTION,
    Capabilities,
    LedgerEnvironment,
    LedgerProfile,
    OAuthDialect,
    RevokeBody,
    TokenLifetimes,
)

SCOPE = "com.intuit.quickbooks.accounting"
INTUIT_SANDBOX = "intuit_sandbox"  # the stored environment key of Intuit's own sandbox companies

# §9. Meters: "calls" = HTTP requests, "items" = metered units (a batch counts its items),
# "batches" = batch requests.
LIMITS: tuple[Limit, ...] = (
    Limit("realm per minute", "items", 500, 60.0),
    Limit("realm+app per second", "calls", 10, 1.0),
    Limit("batch per minute (realm+app)", "batches", 40, 60.0),
    Limit("batch per minute (realm)", "batches", 120, 60.0),
)
CONCURRENCY = 10  # requests in flight per realm+app (§9: "historically 10 concurrent")
BATCH_SIZE = 30  # §6: sources say 10, 30 or 50; 30 is the limits page's number

PROFILE = LedgerProfile(
    key="quickbooks",
    label="QuickBooks Online",
    environments=(
        LedgerEnvironment(PRODUCTION, "Production", "https://quickbooks.api.intuit.com",
                          "https://appcenter.intuit.com", "https://app.qbo.intuit.com"),
        LedgerEnvironment(INTUIT_SANDBOX, "Intuit's sandbox (QuickBooks only)",
                          "https://sandbox-quickbooks.api.intuit.com", "https://appcenter.intuit.com",
                          "https://app.sandbox.qbo.intuit.com"),
    ),
    # §11: access 1 h; refresh 100 days rolling; the previous refresh token works 24 h more.
    tokens=TokenLifetimes(access=timedelta(hours=1), refresh=timedelta(days=100), grace=timedelta(hours=24)),
    oauth=OAuthDialect(company_param="realmId", revoke_body=RevokeBody.JSON,
                       refresh_expiry_field="x_refresh_token_expires_in", scope=SCOPE),
    limits=LIMITS,
    concurrency=CONCURRENCY,
    batch_size=BATCH_SIZE,
    max_batch=30,
    links={
        "invoice": "{app}/app/invoice?txnId={id}",
        "customer": "{app}/app/customerdetail?nameId={id}",
    },
    parameters=OAUTH_PARAMETERS,
    sensitive_parameters=("client_secret",),
    # Credit notes: QBO has them, but this connector refuses a credit-only invoice (writes.py).
    capabilities=Capabilities(customers_up=True, customers_down=True, invoices=True),
    local_app=("fieldbook-sandbox-qbo", "fieldbook-sandbox-qbo-secret"),
)
