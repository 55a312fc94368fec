"""The Xero Accounting API 2.0 emulator, mounted under `/xero` (reference: shared/reference/xero.md)."""
