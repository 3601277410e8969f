"""Use cases of the notify service: ``notifications`` (record, read, mark), ``stream`` (the SSE streams and
the LISTEN that feeds them)."""
