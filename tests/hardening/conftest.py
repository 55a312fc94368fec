"""The integration fixtures (in-process sandbox, a connected organisation) for the hardening tests."""

from tests.integration.conftest import clock, connected, immediate_tasks, sandbox

__all__ = ["clock", "connected", "immediate_tasks", "sandbox"]
