"""QuickBooks Online emulator, served under ``/quickbooks`` with the real paths kept (DESIGN "Sandboxes")."""
