"""The refusal every rule raises, carried to the client as a ``UserError``."""

from __future__ import annotations

from collections.abc import Sequence


class RuleViolation(Exception):
    """A refusal under the regulation or a national standard.

    ``code`` is stable (clients switch on it), ``message`` is Chinese for the person
    at the desk, ``article`` names what forbids it (``第十三条`` or a standard such as
    ``GB 11643-1999``) and ``field`` is the input path at fault, where there is one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        article: str | None = None,
        field: Sequence[str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.article = article
        self.field = list(field) if field is not None else None

    def at(self, *path: str) -> RuleViolation:
        """The same refusal placed under an outer input path."""
        field = [*path, *(self.field or [])]
        return RuleViolation(self.code, self.message, article=self.article, field=field)


class RuleViolations(Exception):
    """Several refusals found at once (a form or an import row with many faults)."""

    def __init__(self, violations: Sequence[RuleViolation]) -> None:
        super().__init__("; ".join(v.code for v in violations))
        self.violations = list(violations)
