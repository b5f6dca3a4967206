"""Services: plain functions on a session that own the writes, the rules and the audit trail."""
