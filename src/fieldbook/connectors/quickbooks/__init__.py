"""QuickBooks Online: api.py speaks the protocol, mapping.py translates records, connector.py is
the Connector registered as "quickbooks"."""

from fieldbook.connectors.quickbooks.connector import QuickBooksConnector

__all__ = ["QuickBooksConnector"]
