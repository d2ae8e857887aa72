"""Alembic environment: runs on the engine the app created (see db.alembic_config)."""

from alembic import context

import db
from accounts import models as _accounts_models  # noqa: F401  (register the tables)
from audit import models as _audit_models  # noqa: F401
from feedback import models as _feedback_models  # noqa: F401
from feedback import rollups as _feedback_rollups  # noqa: F401
from hotspots import models as _hotspot_models  # noqa: F401
from kommun import models as _kommun_models  # noqa: F401
from mail import models as _mail_models  # noqa: F401
from open311 import models as _open311_models  # noqa: F401
from promise_dialogues import models as _promise_dialogue_models  # noqa: F401
from promises import models as _promise_models  # noqa: F401
from review import models as _review_models  # noqa: F401
from surveys import models as _survey_models  # noqa: F401

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=db.Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=db.include_object_for(connection.dialect.name),
    )
    context.run_migrations()
