"""Xero as the reference sheet describes it. NO CONNECTOR YET: data for the profile's shape and
for the pages that name the ledgers to come; the registry does not offer it."""

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
    TokenLifetimes,
)

PROFILE = LedgerProfile(
    key="xero",
    label="Xero",
    environments=(
        # §1: one API root; the tenant comes from GET /connections after the exchange.
        LedgerEnvironment(PRODUCTION, "Production", "https://api.xero.com/api.xro/2.0",
                          "https://identity.xero.com", "https://go.xero.com"),
    ),
    # §9: access 30 min; unused refresh tokens expire after 60 days; 30 min grace after rotation.
    tokens=TokenLifetimes(access=timedelta(minutes=30), refresh=timedelta(days=60), grace=timedelta(minutes=30)),
    oauth=OAuthDialect(refresh_expiry_field="", scope="offline_access accounting.transactions accounting.contacts"),
    # §7: per tenant 5 concurrent, 60/min, 5,000/day.
    limits=(Limit("tenant per minute", "calls", 60, 60.0), Limit("tenant per day", "calls", 5000, 86400.0)),
    concurrency=5,
    batch_size=50,  # §4: no element limit, but batches of at most 50 are advised
    max_batch=50,
    links={
        "invoice": "{app}/AccountsReceivable/View.aspx?InvoiceID={id}",
        "customer": "{app}/Contacts/View/{id}",
    },
    parameters=OAUTH_PARAMETERS,
    sensitive_parameters=("client_secret",),
    capabilities=Capabilities(customers_up=True, customers_down=True, invoices=True, credit_notes=True,
                              payments_back=True, webhooks=True),
)
