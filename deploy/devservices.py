"""Private PostgreSQL and Redis under var/ for `make demo` and `make test`, and this checkout's
SECRET_KEY (var/secret_key).

Used only when DATABASE_URL / REDIS_URL are not given. Prints shell `export` lines so
that make can use them:  eval "$(python deploy/devservices.py start)".

PostgreSQL: the server binaries of the machine (pg_config, /usr/lib/postgresql/*/bin or
PATH); without them, the `pgserver` wheel from PyPI (installed on demand into the running
virtual environment), which carries its own binaries.
Redis: `redis-server` on PATH; without it we stop with a message saying what to install.
"""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PG_DIR = VAR / "postgres"
REDIS_DIR = VAR / "redis"
# The ports asked for first; when something else holds one (another checkout's services, running
# its own make test), any free port: two checkouts on one machine never share a database.
PG_PORT = int(os.environ.get("DEV_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("DEV_REDIS_PORT", "56379"))
DB_NAME = os.environ.get("DEV_DB_NAME", "ejournal")
PG_USER = "ejournal"


def say(message):
    print(message, file=sys.stderr)


def fail(message):
    say(f"error: {message}")
    sys.exit(1)


def pg_bindir():
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if Path(bindir, "initdb").exists():
            return Path(bindir)
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    try:
        import pgserver  # an embedded PostgreSQL in a wheel
    except ImportError:
        say("No PostgreSQL server binaries here: installing the pgserver wheel, which carries them.")
        if subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pgserver"]).returncode != 0:
            return None
        import pgserver
    bindir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return bindir if Path(bindir, "initdb").exists() else None


def as_server_user(cmd):
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--", *cmd]


def chown_for_server(path):
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for p in [path, *path.rglob("*")]:
            os.chown(p, entry.pw_uid, entry.pw_gid)


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred):
    if port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's (the postgres user's server, seen by a non-root)
        pass
    return True


def our_postgres_port(bindir):
    """The port of this checkout's own cluster when it runs (its postmaster.pid says which), else None."""
    try:
        lines = (PG_DIR / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    if not pid_alive(pid):
        return None
    ready = subprocess.run([bindir / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode == 0
    return port if ready else None


def start_postgres():
    bindir = pg_bindir()
    if bindir is None:
        fail(
            "PostgreSQL server binaries not found (initdb, postgres) and the pgserver wheel "
            "could not be installed. Install them (Debian: apt-get install postgresql) "
            "or set DATABASE_URL to a server you have."
        )
    port = our_postgres_port(bindir)
    if port is None:
        port = free_port(PG_PORT)
        VAR.mkdir(exist_ok=True)
        if not (PG_DIR / "PG_VERSION").exists():
            say(f"Creating a private PostgreSQL cluster in {PG_DIR}")
            PG_DIR.mkdir(parents=True, exist_ok=True)
            chown_for_server(PG_DIR)
            subprocess.run(
                as_server_user(
                    [
                        str(bindir / "initdb"),
                        "-D",
                        str(PG_DIR),
                        "-U",
                        PG_USER,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        chown_for_server(PG_DIR)
        say(f"Starting PostgreSQL on 127.0.0.1:{port}")
        subprocess.run(
            as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(PG_DIR),
                    "-l",
                    str(PG_DIR / "server.log"),
                    "-w",
                    "-o",
                    f"-p {port} -k {PG_DIR} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    url = f"postgresql://{PG_USER}@127.0.0.1:{port}/{DB_NAME}"
    created = subprocess.run(
        [bindir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, DB_NAME],
        capture_output=True,
        text=True,
    )
    if created.returncode != 0 and "already exists" not in created.stderr:
        fail(created.stderr.strip())
    return url


def start_redis():
    server = shutil.which("redis-server")
    if server is None:
        fail(
            "redis-server not found. Install it (Debian: apt-get install redis-server) "
            "or set REDIS_URL to a Redis you have."
        )
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = our_redis_port()
    if port is None:
        port = free_port(REDIS_PORT)
        say(f"Starting Redis on 127.0.0.1:{port}")
        subprocess.run(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--dir",
                str(REDIS_DIR),
                "--save",
                "",
                "--appendonly",
                "no",
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
            ],
            check=True,
        )
        (REDIS_DIR / "port").write_text(str(port))
        for _ in range(100):
            if redis_answers(port):
                break
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


def our_redis_port():
    """The port of this checkout's own Redis when it runs (var/redis/redis.pid and port), else None."""
    try:
        pid, port = int((REDIS_DIR / "redis.pid").read_text()), int((REDIS_DIR / "port").read_text())
    except (OSError, ValueError):
        return None
    return port if pid_alive(pid) and redis_answers(port) else None


def redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop():
    bindir = pg_bindir()
    if bindir and (PG_DIR / "postmaster.pid").exists():
        subprocess.run(as_server_user([str(bindir / "pg_ctl"), "-D", str(PG_DIR), "-m", "fast", "stop"]))
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        subprocess.run(["kill", pidfile.read_text().strip()])


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "stop":
        stop()
        return
    database_url = os.environ.get("DATABASE_URL") or start_postgres()
    redis_url = os.environ.get("REDIS_URL") or start_redis()
    print(f"export DATABASE_URL='{database_url}'")
    print(f"export REDIS_URL='{redis_url}'")
    if not os.environ.get("SECRET_KEY"):
        print(f"export SECRET_KEY='{secret_key()}'")
    if not os.environ.get("VAPID_PRIVATE_KEY"):
        private, public = vapid_keys()
        print(f"export VAPID_PRIVATE_KEY='{private}' VAPID_PUBLIC_KEY='{public}'")


def vapid_keys():
    """This checkout's Web Push key pair (var/vapid_key, base64url: the private number; the
    public point as browsers want it), made once with the `cryptography` of the environment."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    path = VAR / "vapid_key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(
            b64(ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big"))
        )
        path.chmod(0o600)
    text = path.read_text().strip()
    number = int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")
    public = ec.derive_private_key(number, ec.SECP256R1()).public_key()
    return text, b64(public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def secret_key():
    """This checkout's own key (var/secret_key), made once: settings have no default key."""
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    main()
