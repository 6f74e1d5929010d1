"""Errors an action raises; pages and the API turn them into clear 4xx answers."""


class ActionError(Exception):
    """The request is wrong: ``field`` names what is wrong when one field is."""

    status = 400

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field

    def as_dict(self) -> dict:
        detail = {"detail": self.message}
        if self.field:
            detail["field"] = self.field
        return detail


class TooLarge(ActionError):
    """The request or a file in it is larger than the limit."""

    status = 413


class NotAllowed(ActionError):
    """The user may see the object but may not take this step."""

    status = 403


class NotFound(ActionError):
    """A code or id in the body names nothing the caller may see (or nothing at all)."""

    status = 404


class Conflict(ActionError):
    """The object is not in a state that allows this step (or someone was first)."""

    status = 409
