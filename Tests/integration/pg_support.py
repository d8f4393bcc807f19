"""A real PostgreSQL server of the tests' own: a fresh cluster (initdb) in a temporary folder, listening on
loopback on a port of its own, stopped and restarted at will. Used by the Python tests, and by `make test`
for the Swift store suite (python3 Tests/integration/pg_support.py start|stop FOLDER).

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user the Debian package
makes, and its commands run as that user."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


INITDB = _bin("initdb")
available = INITDB is not None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, folder=None, port=None):
        if not available:
            raise RuntimeError("PostgreSQL's server is not installed (apt-get install postgresql)")
        self.folder = Path(folder or tempfile.mkdtemp(prefix="manta-pg-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.data = self.folder / "data"
        self.port = port or _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        self.database = "manta"

    @property
    def url(self):
        return f"postgresql://manta@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *argv, check=True):
        if self.user:
            argv = ("runuser", "-u", self.user, "--") + argv
        return subprocess.run(argv, check=check, capture_output=True, text=True)

    def start(self):
        if not self.data.exists():
            self._run(INITDB, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
            with open(self.data / "postgresql.conf", "a") as f:
                # Loopback only, on our port, with its socket in our folder; fsync stays on (the store's
                # promise is tested as it is meant).
                f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.folder}'\n"
                        "max_connections = 50\nshared_buffers = 128MB\nlog_min_messages = warning\n")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "30", "start")
        if not getattr(self, "_made", False):
            self.psql_admin("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'manta') "
                            "THEN CREATE ROLE manta LOGIN CREATEDB; END IF; END $$")
            if self.psql_admin(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'").strip() != "1":
                self.psql_admin(f"CREATE DATABASE {self.database} OWNER manta")
            self._made = True
        return self

    def stop(self, mode="fast"):
        """fast: like a service stop; immediate: like a crash (no shutdown checkpoint, recovery on start)."""
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode="fast"):
        self.stop(mode)
        return self.start()

    def psql_admin(self, sql, database="postgres"):
        return self._run(_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                         "-At", "-v", "ON_ERROR_STOP=1", "-c", sql).stdout

    def query(self, sql):
        """Rows of `sql` in the fleet database, as lists of strings (psql's unaligned output)."""
        out = self.psql_admin(sql, database=self.database)
        return [line.split("|") for line in out.splitlines() if line]

    def scalar(self, sql):
        rows = self.query(sql)
        return int(rows[0][0]) if rows and rows[0][0] != "" else None

    def fresh_database(self, name):
        """An empty database owned by manta; returns its URL."""
        self.psql_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.psql_admin(f"CREATE DATABASE {name} OWNER manta")
        return f"postgresql://manta@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    # start FOLDER: prints the URL of a fresh server there; stop FOLDER: stops it and removes the folder.
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        shutil.rmtree(folder, ignore_errors=True)
        print(Postgres(folder).start().url)
    elif command == "stop":
        data = folder / "data"
        if data.exists():
            pg = Postgres.__new__(Postgres)
            pg.folder, pg.data = folder, data
            pg.user = "postgres" if os.geteuid() == 0 else None
            pg.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop FOLDER")
