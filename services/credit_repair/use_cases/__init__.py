"""Use cases of the credit_repair service, one module per topic: repository + domain + outbox + audit.
None commits: the edge (a request), the consumer wrapper or the job's own transaction does.

- ``rule_sets``: add and load versioned rule sets;
- ``decisions``: the consumer's hot path (decision issued, revoked, changed; fine paid);
- ``records``: credit records, their notices (HTML and PDF) and ending a publication;
- ``repairs``: applications for credit repair and their review;
- ``calendar_deadlines``: review deadlines waiting for a year's holiday arrangement;
- ``sweep``: ending publications at their maximum period;
- ``cleanups``: 信用松绑 clean-up runs;
- ``feeds``: the integrations' feed and the public list.
"""
