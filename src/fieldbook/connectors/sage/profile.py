"""Sage Accounting (Business Cloud, API v3.1) as the reference sheet describes it. NO CONNECTOR
YET: data for the profile's shape; the registry does not offer it."""

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
    key="sage",
    label="Sage Accounting",
    environments=(
        LedgerEnvironment(PRODUCTION, "Production", "https://api.accounting.sage.com/v3.1",
                          "https://oauth.accounting.sage.com"),  # the sheet gives no deep-link pattern
    ),
    # §2: access 5 min, refresh 31 days (rotated on every refresh), no grace documented.
    tokens=TokenLifetimes(access=timedelta(minutes=5), refresh=timedelta(days=31)),
    oauth=OAuthDialect(refresh_expiry_field="refresh_token_expires_in", scope="full_access"),
    # §9: no published numbers; budget at most 1 request/s per business.
    limits=(Limit("business per second", "calls", 1, 1.0),),
    concurrency=1,
    batch_size=1,  # one record per request
    max_batch=1,
    parameters=OAUTH_PARAMETERS,
    sensitive_parameters=("client_secret",),
    capabilities=Capabilities(customers_up=True, customers_down=True, invoices=True, credit_notes=True,
                              payments_back=True),
)
