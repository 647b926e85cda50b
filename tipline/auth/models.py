"""Staff accounts, server-side session records and login throttles."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, EncryptedText, TimestampMixin, UTCDateTime


class Role(str, enum.Enum):
    officer = "officer"
    supervisor = "supervisor"
    finance = "finance"
    admin = "admin"
    auditor = "auditor"


PROVINCE_CODE = "410000"


class User(TimestampMixin, Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    division_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    totp_pending_secret: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    totp_last_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    totp_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="select"
    )  # loaded only when a code is checked or replaced, not on every page view

    # Flask-Login: the identifier kept in the cookie is the server-side session token, not the
    # account id, so ending the session record ends the login.
    # Not columns, so no Mapped[] annotation (the declarative mapper refuses any other one at run time):
    # current_sid is set per request by the session loader; site_require_2fa by load_session for
    # totp_required (absent until then).
    if TYPE_CHECKING:
        current_sid: str | None
        site_require_2fa: str | None
    else:
        current_sid = None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_sid

    @property
    def sees_all(self) -> bool:
        return self.division_code == PROVINCE_CODE

    def has_role(self, *roles: str | Role) -> bool:
        return self.role in {r.value if isinstance(r, Role) else r for r in roles}


class RecoveryCode(Base):
    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class StaffSession(Base):
    """A login. The cookie holds a random token; only its keyed hash is stored here."""

    __tablename__ = "staff_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str] = mapped_column(String(40), nullable=False, default="")


class ClientThrottle(Base):
    """Failed logins per client. The key is an HMAC of the address; the address is never stored."""

    __tablename__ = "login_client_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SiteSetting(Base):
    """Settings admins change at run time (e.g. mandatory 2FA for everyone)."""

    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), nullable=False)
