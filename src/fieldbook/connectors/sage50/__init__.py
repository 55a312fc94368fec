"""Sage 50 Accounts UK: only its profile so far (no connector yet: the registry does not offer it)."""
