"""Tipline: whistleblower tip and reward case tracker."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from . import crypto
from . import extensions as ext
from .config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a Settings object or a mapping of overrides to the environment."""
    settings = config if isinstance(config, Settings) else load_settings(**dict(config or {}))
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(PACKAGE / "static"),
    )
    app.config.update(settings.as_flask_config())
    if settings.trusted_proxies:
        # Only the last N hops of X-Forwarded-* are believed: each trusted proxy appends what it saw,
        # anything before that is whatever the client chose to send.
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    from .web_ids import install_bounded_ids
    install_bounded_ids(app)  # before any blueprint: every <int:...> rule gets the bounded converter
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE / "translations")
    crypto.configure(crypto.KeyRing(settings.encryption_keys, settings.hmac_key))
    from .audit import services as audit_services
    audit_services.configure(settings.audit_key_bytes, settings.checkpoint_path)

    from .divisions import packaged
    from .intake.files.storage import EvidenceStore
    app.extensions["divisions"] = packaged()
    app.extensions["evidence_store"] = EvidenceStore(settings.instance_path / "evidence", crypto.keyring())
    from .rewards.rules import load_rule_sets  # a broken rule set stops start-up (RuleSetError names file and field)
    app.extensions["reward_rules"] = load_rule_sets(settings.instance_path)
    from .inspections.tiers import load_tiers  # a broken tier file stops start-up too (TierFileError)
    app.extensions["inspection_tiers"] = load_tiers(settings.instance_path)
    from .cases.deadlines.reminder_rules import (
        shipped_reminder_rules,  # so does a bad reminders section (DeadlineDataError)
    )
    shipped_reminder_rules()

    # `tipline.db` is also a submodule name, so the extension is reached through `ext`.
    ext.db.init_app(app, settings.database_url)
    if settings.database_url.startswith("postgresql"):
        _check_fingerprints(settings)
    if settings.evidence_in_database:
        from .intake.dbstore import DatabaseEvidenceStore
        app.extensions["evidence_store"] = DatabaseEvidenceStore(crypto.keyring())
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)

    from . import i18n, web
    ext.babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Shanghai")
    i18n.init_app(app)
    from .audit.labels import action_label, actor_label  # audit events in the reader's language
    from .intake.messages import metadata_text  # "exif:gps,exif" in the reader's language
    app.jinja_env.globals.update(audit_action=action_label, audit_actor=actor_label, metadata_text=metadata_text)

    from .auth.views import init_login
    init_login(app)

    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .cases.views import bp as cases_bp
    from .intake.views import bp as intake_bp
    from .portal.views import bp as portal_bp
    from .rewards.views import bp as rewards_bp
    for bp in (intake_bp, portal_bp, auth_bp, admin_bp, cases_bp, rewards_bp):
        app.register_blueprint(bp)
    from .intake.hotline.api import bp as hotline_api_bp
    app.register_blueprint(hotline_api_bp)
    ext.csrf.exempt(hotline_api_bp)  # bearer-token API: no cookies, so no CSRF
    from .oversight.public import bp as public_bp
    from .oversight.views import bp as oversight_bp
    app.register_blueprint(oversight_bp)
    app.register_blueprint(public_bp)
    from .inspections.public import bp as public_inspections_bp
    from .inspections.views import bp as inspections_bp
    app.register_blueprint(inspections_bp)
    app.register_blueprint(public_inspections_bp)

    web.init_app(app)

    # Cross-package reactions (a tip received, a case closed, official days entered): tipline.events.
    from . import events
    events.wire()

    from .cli import register
    register(app)

    return app


def _check_fingerprints(settings: Settings) -> None:
    """Several hosts share a PostgreSQL database: refuse to run with secrets other than the ones it was
    written with, and take back any secret file this start generated (tipline.fingerprint)."""
    from .fingerprint import KeyMismatch, ensure_fingerprints
    try:
        ensure_fingerprints(ext.db.engine, settings)
    except KeyMismatch:
        for path in settings.generated_secrets:
            Path(path).unlink(missing_ok=True)
        raise
