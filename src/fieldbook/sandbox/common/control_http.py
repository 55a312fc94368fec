"""The HTTP control endpoint (JSON) of a served sandbox, and the index page.

    GET    /control                        what is here
    GET    /control/time                   {"now": ISO, "monotonic": s}
    POST   /control/advance                {"seconds": 60}
    GET    /control/faults                 pending faults
    POST   /control/faults                 {"ledger", "kind", "count", "match", "seconds", "variant"}
    POST   /control/faults/random          {"seed", "rate", "kinds", "ledger", "match"}
    DELETE /control/faults                 clear all faults
    GET|POST /control/<ledger>/<action>    e.g. /control/quickbooks/record_payment
                                           {"realm_id", "invoice_id", "amount": "12.50"}
"""

from __future__ import annotations

import dataclasses
import html
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.common import jsonutil
from fieldbook.sandbox.common.host import Host
from fieldbook.sandbox.common.http import Request, Response


def _json_result(value: Any, status: int = 200) -> Response:
    return Response.json({"result": jsonutil.to_plain(value)}, status=status)


def handle(sandbox: Host, req: Request) -> Response:
    parts = [p for p in req.path.split("/") if p][1:]
    try:
        payload = req.json() if req.body else {}
    except ValueError:
        return Response.json({"error": "body must be JSON"}, status=400)
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        return Response.json({"error": "body must be a JSON object"}, status=400)
    if req.method == "GET":
        payload = {**{k: v[0] for k, v in req.args.items()}, **payload}
    try:
        return _dispatch(sandbox, req, parts, payload)
    except (KeyError, ValueError, TypeError) as exc:
        return Response.json({"error": str(exc)}, status=400)


def _dispatch(sandbox: Host, req: Request, parts: list[str], payload: dict[str, Any]) -> Response:
    if not parts:
        return _json_result({"ledgers": list(sandbox.ledgers), "endpoints": __doc__})
    if parts == ["time"]:
        return _json_result({"now": sandbox.clock.now().isoformat(), "monotonic": sandbox.clock.monotonic()})
    if parts == ["advance"] and req.method == "POST":
        sandbox.advance(float(payload.get("seconds", 0)))
        return _json_result({"now": sandbox.clock.now().isoformat()})
    if parts[0] == "faults":
        return _faults(sandbox, req, parts[1:], payload)
    if parts[0] in sandbox.ledgers and len(parts) == 2:
        control = getattr(sandbox, parts[0])
        allowed = getattr(__import__(type(control).__module__, fromlist=["HTTP_ACTIONS"]), "HTTP_ACTIONS", ())
        if parts[1] not in allowed:
            return Response.json({"error": f"unknown action {parts[1]}"}, status=404)
        action = getattr(control, parts[1])
        if not callable(action):  # a property, e.g. the default company
            return _json_result(action)
        kwargs = {key: (str(value) if isinstance(value, Decimal) else value) for key, value in payload.items()}
        try:
            result = action(**kwargs)
        except ValueError as exc:
            return Response.json({"error": str(exc)}, status=409)
        return _json_result(result)
    return Response.json({"error": f"no control endpoint {req.path}"}, status=404)


def _faults(sandbox: Host, req: Request, rest: list[str], payload: dict[str, Any]) -> Response:
    if not rest and req.method == "GET":
        return _json_result([dataclasses.asdict(f) for f in sandbox.faults.pending()])
    if not rest and req.method == "DELETE":
        sandbox.faults.clear()
        return _json_result("cleared")
    if not rest and req.method == "POST":
        kwargs: dict[str, Any] = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in payload.items()}
        fault = sandbox.faults.add(**kwargs)
        return _json_result(dataclasses.asdict(fault))
    if rest == ["random"] and req.method == "POST":
        options: dict[str, Any] = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in payload.items()}
        schedule = sandbox.faults.random_schedule(**options)
        return _json_result({"seed": schedule.seed, "rate": schedule.rate, "kinds": list(schedule.kinds)})
    return Response.json({"error": "unknown faults call"}, status=404)


def index_page(sandbox: Host) -> str:
    e = html.escape
    sections = []
    for name, ledger in sandbox.ledgers.items():
        rows = "".join(
            f'<li>{e(company)} <small>({e(cid)})</small> — <a href="/{e(name)}/books/{e(cid)}">books</a></li>'
            for cid, company in ledger.companies())
        sections.append(f'<h2><a href="/{e(name)}/">{e(name)}</a></h2><ul>{rows}</ul>')
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fieldbook sandboxes</title>"
            "</head><body><h1>Fieldbook sandboxes</h1>" + "".join(sections) +
            '<p>Control endpoint: <a href="/control">/control</a></p></body></html>')
