"""Errors an action raises; pages and the API turn them into clear 4xx answers."""


class ActionError(Exception):
    """The request is wrong: ``field`` names what is wrong when one field is.

    A check that finds several problems at once raises them together (``every``): the first
    is the error's own message and field, ``errors`` lists them all."""

    status = 400

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.errors: list[ActionError] = [self]

    @classmethod
    def every(cls, errors: "list[ActionError]") -> "ActionError":
        """One error carrying all of ``errors`` (at least one), the first in front."""
        first = errors[0]
        combined = type(first)(first.message, first.field)
        combined.errors = list(errors)
        return combined

    def as_dict(self) -> dict:
        """``detail`` and ``field`` of the first problem; with several, ``errors`` lists
        each as ``{field, detail}``."""
        detail = {"detail": self.message}
        if self.field:
            detail["field"] = self.field
        if len(self.errors) > 1:
            detail["errors"] = [{"field": e.field, "detail": e.message} for e in self.errors]
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
