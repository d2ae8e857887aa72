"""Medborgarlöften and the medborgardialoger they come from.

Neither promises nor surveys imports the other: this package imports both, links them
(a promise names its dialogues), lends surveys the activities a walk stop may belong to, and
lends promises a survey index as an evaluation indicator. The app registers it last.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from promise_dialogues import services, views
    from surveys.forms import METHOD_LABELS

    services.register()
    app.register_blueprint(views.bp)
    app.add_template_global(services.dialogues_of, "promise_dialogues")
    app.jinja_env.globals["dialogue_method_labels"] = METHOD_LABELS
