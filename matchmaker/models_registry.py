"""Import every ORM module so metadata is complete for Alembic and create_all."""

from matchmaker.accounts.models import Organization, User  # noqa: F401
from matchmaker.api.models import ApiToken  # noqa: F401
from matchmaker.audit.models import AuditEvent  # noqa: F401
from matchmaker.calls.models import Call, CallCriterion, CallDocument, CallQuestion  # noqa: F401
from matchmaker.evaluation.models import (  # noqa: F401
    ConflictOfInterest,
    ReviewerAssignment,
    Score,
)
from matchmaker.jobs.models import JobState  # noqa: F401
from matchmaker.matching.models import Embedding, IndexState, MatchDecision  # noqa: F401
from matchmaker.needs.models import Need, NeedPolicyArea, NeedRevision  # noqa: F401
from matchmaker.notifications.models import (  # noqa: F401
    Follow,
    Notification,
    NotificationPreference,
    OutboxMessage,
    SeedSubscription,
)
from matchmaker.projects.models import (  # noqa: F401
    Kpi,
    Milestone,
    ProgressAttachment,
    ProgressUpdate,
    Project,
)
from matchmaker.proposals.models import Proposal, ProposalAttachment  # noqa: F401
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent  # noqa: F401
from matchmaker.seeds.models import Seed, SeedPolicyArea  # noqa: F401
from matchmaker.uploads.models import Attachment  # noqa: F401
