"""Who is acting: carried into every write so the audit log can say who did it."""
from __future__ import annotations

from dataclasses import dataclass

ROLE_ORDER = ("clerk", "reviewer", "manager", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    name: str
    role: str
    #: the login session the request came with (None: API key, CLI, worker); a password
    #: change made through it keeps it alive while the user's other sessions end
    session_id: int | None = None

    def at_least(self, role: str) -> bool:
        return ROLE_ORDER.index(self.role) >= ROLE_ORDER.index(role)

    @property
    def sees_everything(self) -> bool:
        """Clerks see what they submitted; reviewers and up see all records."""
        return self.at_least("reviewer")


SYSTEM = Actor(user_id=None, name="system", role="admin")
