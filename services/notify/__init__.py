"""The notify service: the per-recipient notification log (SSE and paged reads) and the webhooks of the
integration clients (issue #15)."""
