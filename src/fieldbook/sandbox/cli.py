"""`fieldbook sandbox ...` (the lead wires the console command to `main`).

    sandbox [--port 8765] [--host 127.0.0.1] [--state var/sandbox.json] [--relaxed]
        serve every ledger's emulator on wall time
    sandbox token quickbooks|sage [--state FILE | --url http://127.0.0.1:8765] [--realm ID]
        issue tokens for the default (or given) company and print JSON: access_token,
        refresh_token, realm_id (Sage: business_id), client_id, client_secret.
    sandbox token xero [--state FILE | --url URL] [--realm TENANT_ID] [--granular]
        the same for Xero (tenant_id instead of realm_id; classic scopes unless --granular).
    With --state (the default) the tokens go into the state file under its lock, so a sandbox
    serving that file accepts them at once; with --url the running sandbox issues them through
    its control endpoint (memory-only too).

The default state file is $FIELDBOOK_VAR/sandbox.json, else var/sandbox.json, as `fieldbook run`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import httpx

from fieldbook.sandbox.app import Sandbox
from fieldbook.sandbox.common.clock import WallClock
from fieldbook.sandbox.xero.tokens import CLASSIC_DEFAULT, GRANULAR_DEFAULT

DEFAULT_PORT = 8765
DEFAULT_STATE = str(os.path.join(os.environ.get("FIELDBOOK_VAR", "var"), "sandbox.json"))
TOKEN_KEYS = {"quickbooks": ("access_token", "refresh_token", "realm_id", "client_id", "client_secret",
                              "expires_in", "x_refresh_token_expires_in", "token_type"),
              "xero": ("access_token", "refresh_token", "tenant_id", "client_id", "client_secret", "expires_in",
                       "token_type", "scope"),
              "sage": ("access_token", "refresh_token", "business_id", "client_id", "client_secret",
                       "expires_in", "refresh_token_expires_in", "token_type", "scope")}


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook sandbox", description="Serve the local ledger sandboxes.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", default=DEFAULT_STATE, help="JSON state file ('' for memory only)")
    parser.add_argument("--relaxed", action="store_true", help="multiply the rate limits")
    return parser


def _token_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook sandbox token", description="Issue sandbox tokens.")
    parser.add_argument("ledger", choices=sorted(TOKEN_KEYS))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--state", default=DEFAULT_STATE, help="the state file a served sandbox uses")
    where.add_argument("--url", default=None, help="ask the sandbox serving at this URL instead")
    parser.add_argument("--realm", "--business", dest="realm", default=None,
                        help="the company id (QuickBooks realm, Xero tenant, Sage business)")
    parser.add_argument("--granular", action="store_true", help="Xero: granular scopes (apps since 2 March 2026)")
    return parser


def _issue_over_http(url: str, ledger: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        reply = httpx.post(f"{url.rstrip('/')}/control/{ledger}/issue_tokens", json=payload, timeout=30)
    except httpx.TransportError as exc:
        raise SystemExit(f"No sandbox answers at {url}: {exc}. Start one with `fieldbook sandbox`.") from None
    if reply.status_code != 200:
        raise SystemExit(f"The sandbox at {url} refused: {reply.status_code} {reply.text[:300]}")
    result: dict[str, Any] = reply.json()["result"]
    return result


def _token(argv: list[str]) -> int:
    args = _token_parser().parse_args(argv)
    payload: dict[str, Any] = {}
    if args.ledger == "xero":
        payload["scope"] = GRANULAR_DEFAULT if args.granular else CLASSIC_DEFAULT
    if args.realm:
        payload["tenant_id" if args.ledger == "xero" else "realm_id"] = args.realm
    if args.url:
        issued = _issue_over_http(args.url, args.ledger, payload)
    elif not args.state:
        raise SystemExit("Tokens issued into memory would be lost: give --state FILE or --url URL.")
    else:
        sandbox = Sandbox(clock=WallClock(), state_file=args.state)
        issued = getattr(sandbox, args.ledger).issue_tokens(**payload)
    print(json.dumps({key: issued[key] for key in TOKEN_KEYS[args.ledger]}, indent=2))
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "token":
        return _token(argv[1:])
    args = _serve_parser().parse_args(argv)
    from fieldbook.sandbox.server import serve

    serve(args.port, args.host, state_file=args.state or None, relaxed_limits=args.relaxed)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
