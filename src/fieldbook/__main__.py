"""`fieldbook`: Django's management commands with the settings preset, plus `fieldbook sandbox`,
which needs no database at all."""

from __future__ import annotations

import os
import sys

# Hyphenated names as the README writes them; Django module names use underscores.
ALIASES = {"demo-data": "demo_data"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else ["fieldbook", *argv])
    if len(args) > 1 and args[1] == "sandbox":
        from fieldbook.sandbox.cli import main as sandbox_main

        return sandbox_main(args[2:])
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
