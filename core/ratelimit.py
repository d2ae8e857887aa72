"""The app's one rate limiter (Flask-Limiter), per client address unless a view says otherwise.

It lives low so that every audience package can decorate its views without importing another
audience's package; accounts.security wires it to the app (storage and limits from RATELIMIT_*).
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)
