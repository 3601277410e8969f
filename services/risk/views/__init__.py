"""Rows and domain objects → what the API answers, in one place.

The quarterly report is built here as a JSON document, not a response model: a published report keeps that
document as its snapshot (``quarter_report.snapshot``), so a later reading returns exactly what the units were
told. Everything else becomes its response model.

One module per topic; this package re-exports them."""

from __future__ import annotations

from services.risk.views.monitoring import CSV_COLUMNS as CSV_COLUMNS
from services.risk.views.monitoring import UPLOADS_PATH as UPLOADS_PATH
from services.risk.views.monitoring import assessment_json as assessment_json
from services.risk.views.monitoring import config_read as config_read
from services.risk.views.monitoring import drill_down as drill_down
from services.risk.views.monitoring import enterprise_read as enterprise_read
from services.risk.views.monitoring import evidence_item as evidence_item
from services.risk.views.monitoring import figures_json as figures_json
from services.risk.views.monitoring import heat_table as heat_table
from services.risk.views.monitoring import intake_read as intake_read
from services.risk.views.monitoring import lead_read as lead_read
from services.risk.views.monitoring import overview as overview
from services.risk.views.monitoring import reason_json as reason_json
from services.risk.views.monitoring import rectification_read as rectification_read
from services.risk.views.monitoring import report_csv as report_csv
from services.risk.views.monitoring import report_document as report_document
from services.risk.views.monitoring import report_units as report_units
from services.risk.views.monitoring import run_read as run_read
from services.risk.views.monitoring import scoped as scoped
from services.risk.views.monitoring import status_url as status_url
from services.risk.views.monitoring import transfer_read as transfer_read
from services.risk.views.monitoring import upload_read as upload_read
from services.risk.views.monitoring import warning_read as warning_read
from services.risk.views.monitoring import warning_reasons as warning_reasons
from services.risk.views.supervision import MEMBER_STATUS_ZH as MEMBER_STATUS_ZH
from services.risk.views.supervision import REVIEW_STATUS_LABELS as REVIEW_STATUS_LABELS
from services.risk.views.supervision import bulletin_read as bulletin_read
from services.risk.views.supervision import complaint_public_read as complaint_public_read
from services.risk.views.supervision import complaint_read as complaint_read
from services.risk.views.supervision import finding_read as finding_read
from services.risk.views.supervision import invitation_read as invitation_read
from services.risk.views.supervision import matter_read as matter_read
from services.risk.views.supervision import member_read as member_read
from services.risk.views.supervision import point_read as point_read
from services.risk.views.supervision import public_bulletin_read as public_bulletin_read
from services.risk.views.supervision import review_file_read as review_file_read
from services.risk.views.supervision import review_read as review_read
from services.risk.views.supervision import review_scope_label as review_scope_label
from services.risk.views.supervision import unit_result_read as unit_result_read
