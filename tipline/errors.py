"""Domain exceptions. Services raise them; the web layer maps them to responses."""
from __future__ import annotations


class TiplineError(Exception):
    """Base class; `message` is a translatable, user-safe sentence."""

    status = 400

    def __init__(self, message: str = "", **details):
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)
        self.message = message
        self.details = details


class ValidationFailed(TiplineError):
    """Input did not pass validation; `details['fields']` maps field names to messages."""

    status = 422


class NotFound(TiplineError):
    status = 404


class Forbidden(TiplineError):
    """The actor's role or jurisdiction does not allow this."""

    status = 403


class Conflict(TiplineError):
    """The record changed meanwhile, or the transition is not allowed from its current state."""

    status = 409


class InvalidCredentials(TiplineError):
    """Username, password or second factor did not match."""

    status = 401


class Throttled(TiplineError):
    """Too many failed attempts; try again later."""

    status = 429
