"""Use cases of the penalty service, one module per topic: the catalogue, assessments, cases and leads, the
procedure's steps, documents, the consistency report, missed deadlines and the projections of other services'
events.

Every function takes the caller's session and never commits (the HTTP edge, the inbox runner or the job's
``transaction`` does). A procedure step works on the case row its route loaded ``FOR UPDATE`` through the
access rule (``deps.CaseForUpdateDep``), rebuilds the pure ``Case`` from JSONB, applies
``procedure.handle``, writes the new ``Case`` and its projections back to the same row, appends the step to
the timeline, stages the integration events in the outbox (``publishing.PUBLISHES``) and appends the audit
entry (``timeline``).
"""
