"""gunicorn's access log with secrets cut out of paths, queries and referers (core.logs)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from core.logs import redact

# The atoms that hold a path or an address: request line, path, query, referer.
URL_ATOMS = ("r", "U", "q", "f", "{raw_uri}e", "{referer}i")


class AccessLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
