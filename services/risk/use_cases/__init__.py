"""Use cases of the risk service, one module per topic: repository + domain + outbox + audit. They never
commit: the edge (a request), the consumer runner (an event) or a job owns the transaction."""
