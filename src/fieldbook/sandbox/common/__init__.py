"""Ledger-neutral parts of the sandboxes: clock, store, faults, rate limits, HTTP plumbing."""
