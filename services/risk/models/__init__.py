"""Tables of the risk service (its own database).

Projections of other services' events (``risk_case``, ``unit_signal``, the enterprise signal tables), the
intake of external outcomes and 12345 leads, published reports with their warnings and rectifications,
and the enterprise classes. The names of the signal tables are the ones ``domain/classes.py`` reads;
``risk_penalty_signal`` and ``risk_complaint_signal`` are views over ``risk_case`` and ``complaint_lead``
(created by the migration), so a revoked decision or a lead leaves the class exactly when its row changes.

By topic: ``base`` (the metadata and the declarative base), ``signals`` (the projections, intake, reports and
classes) and ``supervision`` (complaints, members, supervision matters, case-file review, bulletins).
"""

from services.risk.models.base import Base, kernel, metadata, table_of
from services.risk.models.signals import (
    WITHDRAWN_STATUSES,
    ClassAnnouncement,
    ClassificationRun,
    ComplaintLead,
    EnterpriseClass,
    ExternalOutcome,
    IntakeUpload,
    IntakeUploadChunk,
    IntakeUploadError,
    LeadTransfer,
    PublicationSignal,
    QuarterReport,
    ReceivedCheckpoint,
    Rectification,
    RepairSignal,
    RiskCase,
    RiskEnterprise,
    RiskWarning,
    Unit,
    UnitQuarterTally,
    UnitSignal,
    ViolationSignal,
)
from services.risk.models.supervision import (
    Bulletin,
    Complaint,
    ComplaintCounter,
    ContactPoint,
    MatterDocumentCounter,
    MemberInvitation,
    ReviewCampaign,
    ReviewFile,
    ReviewFinding,
    SupervisionMatter,
    SupervisionMember,
    SupervisionTarget,
)

__all__ = [
    "Base",
    "kernel",
    "metadata",
    "table_of",
    "Unit",
    "ExternalOutcome",
    "LeadTransfer",
    "ComplaintLead",
    "RiskCase",
    "WITHDRAWN_STATUSES",
    "UnitQuarterTally",
    "UnitSignal",
    "RiskEnterprise",
    "PublicationSignal",
    "ViolationSignal",
    "RepairSignal",
    "EnterpriseClass",
    "ClassificationRun",
    "ClassAnnouncement",
    "QuarterReport",
    "RiskWarning",
    "Rectification",
    "IntakeUpload",
    "IntakeUploadChunk",
    "IntakeUploadError",
    "ReceivedCheckpoint",
    "Complaint",
    "ComplaintCounter",
    "SupervisionMember",
    "MemberInvitation",
    "ContactPoint",
    "SupervisionMatter",
    "SupervisionTarget",
    "MatterDocumentCounter",
    "ReviewCampaign",
    "ReviewFile",
    "ReviewFinding",
    "Bulletin",
]
