"""Sage 50 Accounts UK (desktop) as the reference sheet describes it: no API, files the user
imports with the program's own wizard (§13, §14). NO CONNECTOR YET: data for the profile's shape;
the registry does not offer it."""

from __future__ import annotations

from fieldbook.connectors.profile import Capabilities, LedgerProfile, Parameter

PROFILE = LedgerProfile(
    key="sage50",
    label="Sage 50",
    # No environments' API roots, no tokens, no rate limits: the exchange is a file each way.
    parameters=(Parameter("account_prefix", "Account reference prefix",
                          "A/C references are cut to 8 upper-case characters (§14).", required=False),),
    capabilities=Capabilities(customers_up=True, customers_down=True, invoices=True, credit_notes=True,
                              file_exchange=True),
)
