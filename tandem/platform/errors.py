"""Domain errors. Each has a stable `code` that the API returns and an HTTP status the faces use."""


class DomainError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class AttachmentRejected(InvalidInput):
    code = "attachment_rejected"


class LastAdminRemoval(Conflict):
    code = "last_admin"
