"""Every query of the inspection service, by topic, each returning typed rows (ORM models, dataclasses or named
tuples); who may read which object is said once per kind, next to its queries (services.common.access):

- ``rows``: rows → the domain's records, the calendar year as a range of instants;
- ``registries``: districts, departments, bodies, the item catalogue, officers, enterprises, quiet windows;
- ``tasks``: tasks and their enterprises;
- ``visits``: visits, outcomes, the frequency records, the audit batch;
- ``supervision``: the supervisors' counts and the refused entries;
- ``entry``: the scan-to-enter hot path (three statements, driver-level).
"""
