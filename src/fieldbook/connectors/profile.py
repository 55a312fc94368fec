"""What a ledger declares about itself: data, read by every generic layer instead of naming it.

Each ledger package carries one `LedgerProfile` (its `profile.py`); the registry lists the
packages. Model choices, the Settings form, the CLI's `--ledger`, the sweeper's keep-alive, the
limiter's rules, the API roots and the links into the ledger's own web app all come from here,
so a new ledger is a new package and one line in the registry, not an edit in every layer.

The fields cover what the reference sheets say of QuickBooks Online, Xero, Sage Accounting and
Sage 50 (a desktop ledger that exchanges files: no environments' API roots, no tokens).
Settings parameters follow NetBox's `DataBackend.parameters` / `sensitive_parameters`: the
sensitive ones are stored encrypted and never rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from fieldbook.connectors.limiter import Limit

# Every ledger's environments are production, perhaps a vendor sandbox, and our local sandbox.
PRODUCTION = "production"
LOCAL = "local"


@dataclass(frozen=True)
class LedgerEnvironment:
    """Where one environment's API and sign-in live, and the web app's root (for deep links).
    The stored key is what `Connection.environment` holds."""

    key: str
    label: str
    api_root: str
    auth_root: str = ""  # "" = the API root
    app_root: str = ""  # the ledger's own web app, for links to a record; "" = no links


@dataclass(frozen=True)
class TokenLifetimes:
    """How long the ledger's tokens live (reference sheets). `refresh` is how long an UNUSED
    refresh token lives (the sweeper refreshes idle connections inside it); `grace` how long the
    previous refresh token still works after a rotation (a lost reply can be retried)."""

    access: timedelta
    refresh: timedelta
    grace: timedelta = timedelta(0)


class RevokeBody(StrEnum):
    FORM = "form"  # RFC 7009: token=… form-encoded
    JSON = "json"  # {"token": "…"}


@dataclass(frozen=True)
class OAuthDialect:
    """Where a ledger's OAuth departs from the plain RFC: the callback parameter that names the
    company (none: the connector asks the API after the exchange), the revoke body, and the token
    reply's field giving the refresh token's lifetime in seconds."""

    company_param: str = ""
    revoke_body: RevokeBody = RevokeBody.FORM
    refresh_expiry_field: str = "refresh_token_expires_in"
    scope: str = ""


@dataclass(frozen=True)
class Parameter:
    """One setting the ledger needs in Settings."""

    name: str
    label: str
    help: str = ""
    required: bool = True


@dataclass(frozen=True)
class Capabilities:
    customers_up: bool = False
    customers_down: bool = False
    invoices: bool = False
    credit_notes: bool = False
    payments_back: bool = False
    webhooks: bool = False
    file_exchange: bool = False  # records go as files the user imports, not as HTTP requests


@dataclass(frozen=True)
class LedgerProfile:
    key: str
    label: str
    environments: tuple[LedgerEnvironment, ...] = ()
    tokens: TokenLifetimes | None = None  # None: no tokens (a file-exchange ledger)
    oauth: OAuthDialect | None = None
    limits: tuple[Limit, ...] = ()  # the limiter's rules, per company
    concurrency: int = 1  # requests in flight per company
    batch_size: int = 1  # records per write request (what we send by default)
    max_batch: int = 1  # the most the ledger takes in one request
    # A record's page in the ledger's web app, by kind: "{app}" is the environment's app root,
    # "{id}" the ledger's id. A kind without a pattern gets no link.
    links: dict[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    sensitive_parameters: tuple[str, ...] = ()
    capabilities: Capabilities = Capabilities()
    # The local sandbox's published app credentials (client id, secret); None: no local sandbox.
    local_app: tuple[str, str] | None = None

    def environment(self, key: str) -> LedgerEnvironment | None:
        return next((env for env in self.environments if env.key == key), None)

    def link(self, environment: str, kind: str, ledger_id: str) -> str:
        """Where the user sees the record in the ledger itself ("" when the ledger has no page)."""
        env = self.environment(environment)
        pattern = self.links.get(kind, "")
        if env is None or not env.app_root or not pattern or not ledger_id:
            return ""
        return pattern.format(app=env.app_root.rstrip("/"), id=ledger_id)

    def is_sensitive(self, name: str) -> bool:
        return name in self.sensitive_parameters


# The settings an OAuth ledger needs: the app's keys from its developer portal.
OAUTH_PARAMETERS = (
    Parameter("client_id", "Client ID", "From your app's keys in the ledger's developer portal."),
    Parameter("client_secret", "Client secret", "Stored encrypted and never shown again."),
)
