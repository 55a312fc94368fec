"""`fieldbook sandbox ...` (the lead wires the console command to `main`).

    sandbox [--port 8765] [--host 127.0.0.1] [--state var/sandbox.json] [--relaxed]
        serve every ledger's emulator on wall time
    sandbox token quickbooks [--state FILE] [--realm REALM]
        issue tokens for the default (or given) company into the state file and print JSON:
        access_token, refresh_token, realm_id, client_id, client_secret
"""

from __future__ import annotations

import argparse
import json
import sys

from fieldbook.sandbox.app import Sandbox
from fieldbook.sandbox.common.clock import WallClock

DEFAULT_PORT = 8765
DEFAULT_STATE = "var/sandbox.json"


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook sandbox", description="Serve the local ledger sandboxes.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", default=DEFAULT_STATE, help="JSON state file ('' for memory only)")
    parser.add_argument("--relaxed", action="store_true", help="multiply the rate limits")
    return parser


def _token_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldbook sandbox token", description="Issue sandbox tokens.")
    parser.add_argument("ledger", choices=["quickbooks"])
    parser.add_argument("--state", default=DEFAULT_STATE)
    parser.add_argument("--realm", default=None)
    return parser


def main(argv: list[str]) -> int:
    if argv and argv[0] == "token":
        args = _token_parser().parse_args(argv[1:])
        sandbox = Sandbox(clock=WallClock(), state_file=args.state or None)
        issued = sandbox.quickbooks.issue_tokens(args.realm)
        keys = ("access_token", "refresh_token", "realm_id", "client_id", "client_secret", "expires_in",
                "x_refresh_token_expires_in", "token_type")
        print(json.dumps({key: issued[key] for key in keys}, indent=2))
        return 0
    args = _serve_parser().parse_args(argv)
    from fieldbook.sandbox.server import serve

    serve(args.port, args.host, state_file=args.state or None, relaxed_limits=args.relaxed)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
