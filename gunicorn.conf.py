"""Production serving: `gunicorn -c gunicorn.conf.py` (see the README's "Running it for real")."""

import gc
import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("THREADS", "2"))
# The app is made once, in the master, and each worker is a fork of it: a worker starts in
# milliseconds instead of importing and building the app again (seconds of CPU each, paid by
# every worker at every start and restart), and the workers share its memory until they
# write to it. Each worker then opens database connections of its own (db.make_engine).
preload_app = True
timeout = 30
graceful_timeout = 20
# gunicorn 25.1 and later open a control socket (for `gunicornc`) at one path per user: a
# second instance on the machine, or the staff's pool below, took the first one's over, and
# `gunicornc` then reached the wrong server. on_starting names each one after the addresses
# its instance serves (control_socket_for); `--control-socket PATH` chooses another.
# Behind a TLS-terminating proxy on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Production serves over HTTPS (behind the TLS proxy): the session cookie is never sent over
# plain HTTP unless SESSION_COOKIE_SECURE=0 says so.
os.environ.setdefault("SESSION_COOKIE_SECURE", "1")
# Background jobs (mail, hot spots, forwarding, retention) run in one separate, supervised
# `flask jobs worker` process, never in the web workers (see when_ready).
# A pool of its own for the staff: with STAFF_BIND set, this master starts a second gunicorn
# on that address (STAFF_CONCURRENCY workers, no job worker of its own), and the TLS proxy
# sends it the logged-in staff's paths (core.rooms.STAFF_PATHS; the README's "A pool of its
# own for the staff"). This pool's web workers then yield the CPU to everything else on the
# machine (WORKER_NICE, 10): traffic on the public pages cannot slow the staff's pages.
STAFF_BIND = os.environ.get("STAFF_BIND", "")
WORKER_NICE = int(os.environ.get("WORKER_NICE", "10" if STAFF_BIND else "0"))
accesslog = "-"
# Method, path and status only: no client address, query string, body or user agent; and
# receipt codes, invitation tokens and API keys cut out of what is left (core/logs.py).
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "core.gunicorn_log.AccessLogger"


def on_starting(server):  # noqa: ANN001, ANN201 (gunicorn's hook signature)
    if not os.environ.get("SECRET_KEY"):
        sys.exit("SECRET_KEY must be set in production (a long random string).")
    if not os.environ.get("RATELIMIT_STORAGE_URI", "").startswith("redis://"):
        server.log.warning(
            "RATELIMIT_STORAGE_URI is not Redis: each worker counts rate limits on its own."
        )
    _own_control_socket(server)


def control_socket_for(addresses: list[str]) -> str:
    """The control socket of the instance serving these addresses, in the folder gunicorn
    would use ($XDG_RUNTIME_DIR, else ~/.gunicorn). A long name (a `unix:` bind) ends in a
    hash of it instead: a Unix socket's path has at most 107 bytes, and gunicorn runs on
    without a control socket when its path is longer."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    folder = runtime if runtime and os.path.isdir(runtime) else os.path.expanduser("~/.gunicorn")
    name = "".join(c if c.isalnum() else "-" for c in ",".join(addresses))
    if len(name) > 40:
        name = name[:24] + "-" + hashlib.sha256(name.encode()).hexdigest()[:12]
    return os.path.join(folder, f"tryggkartan-{name}.ctl")


def _own_control_socket(server) -> None:  # noqa: ANN001
    """Before gunicorn opens it (after the workers start): the addresses are the ones the
    instance serves, however they were given (BIND, -b, GUNICORN_CMD_ARGS)."""
    setting = server.cfg.settings.get("control_socket")
    if setting is None:  # gunicorn before 25.1: no control socket
        return
    if server.cfg.control_socket == setting.default:  # not chosen with --control-socket
        server.cfg.set("control_socket", control_socket_for(server.cfg.bind))


def when_ready(server):  # noqa: ANN001, ANN201
    _warm_before_forking()
    # Everything the master built (the app, its imports: some 165,000 objects with the app
    # alone) is kept out of the garbage collector's full passes in the workers forked from
    # it: such a pass stopped one request in a few hundred for 170-180 ms (measured in
    # process, the resident's POST), and walking the objects wrote to every page of them,
    # undoing the memory the workers share with the master. A worker's own objects are
    # collected as before; its full passes walk only those.
    gc.collect()
    gc.freeze()
    server.children = []
    server.stopping_children = False
    if os.environ.get("JOBS_WORKER", "1") == "1":
        # `flask jobs worker` without building the app in the supervisor (jobs/__main__.py).
        server.children.append(("the job worker", _start([sys.executable, "-m", "jobs"])))
    if STAFF_BIND:
        staff = {
            "BIND": STAFF_BIND,
            "STAFF_BIND": "",
            "WEB_CONCURRENCY": os.environ.get("STAFF_CONCURRENCY", "2"),
            "WORKER_NICE": "0",
            "JOBS_WORKER": "0",
            "GUNICORN_CMD_ARGS": "",  # nothing of this master's command line overrides BIND
        }
        command = [sys.executable, "-m", "gunicorn", "-c", os.path.abspath(__file__)]
        server.children.append(("the staff's pool", _start(command, os.environ | staff)))
    threading.Thread(target=_watch, args=(server,), name="children", daemon=True).start()


def _start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A child of this master that gets SIGTERM when the master dies, however it dies (Linux):
    a killed master leaves no job worker or staff pool behind holding its port."""
    return subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _watch(server) -> None:  # noqa: ANN001
    """A child that stops while the master runs (the staff's pool could not bind its address,
    a crash, the OOM killer) stops the master too, with exit status 1, so that what runs it
    (systemd's Restart=on-failure) starts everything again rather than serve without it."""
    while not server.stopping_children:
        time.sleep(1)
        for name, child in server.children:
            if server.stopping_children or child.poll() is None:
                continue
            server.log.error(
                "%s stopped (exit status %s): stopping gunicorn too", name, child.returncode
            )
            server.failed_child = name
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _warm_before_forking() -> None:
    """What the app imports or makes only when first needed (maps, clustering, photos, the
    unknown-address password check), done once here in the master before the workers are
    forked: else every worker would pay for it at its first such request, and keep a copy
    of its own instead of sharing the master's memory."""
    import folium  # noqa: F401
    import folium.plugins  # noqa: F401
    import PIL.Image  # noqa: F401
    import PIL.ImageOps  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401
    import scipy.special  # noqa: F401

    import accounts.models
    import accounts.services

    accounts.services._dummy_hash(accounts.models.PASSWORD_METHOD)


def post_fork(server, worker):  # noqa: ANN001, ANN201
    if WORKER_NICE:
        os.nice(WORKER_NICE)


def on_exit(server):  # noqa: ANN001, ANN201
    server.stopping_children = True
    children = [child for _name, child in getattr(server, "children", [])]
    for child in children:
        if child.poll() is None:
            # Running jobs and requests finish; what waits stays queued for the next start.
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a stuck job: its outbox row is sent after restart
            child.kill()
            child.wait()
    failed = getattr(server, "failed_child", None)
    if failed:
        sys.exit(f"gunicorn stopped because {failed} stopped")
