"""Domain errors raised by services and turned into messages or 4xx responses by views."""


class DomainError(Exception):
    """A request that the domain refuses; nothing has been changed."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The actor may not do this to this object."""

    status_code = 403


class IllegalTransition(DomainError):
    """The object's current state does not allow the requested action."""

    status_code = 409


class Conflict(DomainError):
    """The object changed since it was loaded, or a duplicate was attempted."""

    status_code = 409
