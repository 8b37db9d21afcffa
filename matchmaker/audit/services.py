"""Record audit events; the caller's transaction commits them with the change they describe."""

from __future__ import annotations

from flask import has_request_context, request

from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str | None = None,
    object_id: int | None = None,
    **details,
) -> AuditEvent:
    """Append one event; never pass secrets in details."""
    if obj is not None:
        object_type = object_type or obj.__tablename__.rstrip("s")
        object_id = object_id or obj.id
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=object_id,
        ip_address=request.remote_addr if has_request_context() else None,
        details={k: (v.value if hasattr(v, "value") else v) for k, v in details.items()},
    )
    db.session.add(event)
    db.session.flush()
    return event
