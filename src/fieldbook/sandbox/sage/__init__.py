"""The Sage Accounting (REST v3.1) emulator, served under `/sage` with the real paths kept."""
