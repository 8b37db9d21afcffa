"""Import every ORM module so metadata is complete for Alembic and create_all."""

from matchmaker.accounts.models import Organization, User  # noqa: F401
from matchmaker.audit.models import AuditEvent  # noqa: F401
from matchmaker.matching.models import Embedding, IndexState, MatchDecision  # noqa: F401
from matchmaker.needs.models import Need, NeedPolicyArea  # noqa: F401
from matchmaker.seeds.models import Seed, SeedPolicyArea  # noqa: F401
