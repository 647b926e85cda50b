"""Imports every model so the metadata is complete (for Alembic and test set-up)."""
from . import fingerprint as _fingerprint  # noqa: F401
from .audit import models as _audit  # noqa: F401
from .auth import models as _auth  # noqa: F401
from .calendar import models as _calendar  # noqa: F401
from .cases import complaint_models as _complaints  # noqa: F401
from .cases import models as _cases  # noqa: F401
from .cases import procedure_models as _procedure  # noqa: F401
from .cases.deadlines import models as _clocks  # noqa: F401
from .db import Base
from .inspections import models as _inspections  # noqa: F401
from .intake import dbstore as _intake_dbstore  # noqa: F401
from .intake import models as _intake  # noqa: F401
from .intake import reporter_sessions as _reporter_sessions  # noqa: F401
from .intake.email import models as _intake_email  # noqa: F401
from .intake.hotline import models as _intake_hotline  # noqa: F401
from .oversight import models as _oversight  # noqa: F401
from .rewards import models as _rewards  # noqa: F401
from .status_checks import install as _install_status_checks

metadata = Base.metadata
_install_status_checks(metadata)
