"""`make cluster` (`python -m bench.cluster`): the shop as several app nodes behind HAProxy, on loopback.

What it starts, as production runs it on several machines (README, "Production"):
- PostgreSQL: the database `shop_cluster` on the local server, made if missing, migrated, and the
  demo shop loaded into it once (the demo loader adds only what is missing);
- two app nodes: gunicorn with the shop's settings (`storefront/gunicorn_conf.py`), each on a port
  of its own, sharing that database, one Redis (REDIS_URL: rate limits, the task queue, the page
  cache) and one secret key;
- one task worker (huey) on the same database and Redis;
- HAProxy on http://127.0.0.1:PORT balancing the nodes, checking each one's /healthz every two
  seconds and taking a node that fails it out of the rotation; its statistics page on the next
  port. It adds `X-Served-By: nodeN` to each answer, so a client can count which node served it
  (bench/flash_sale.py does).

Images go to the upload folder of this machine (both nodes see it), or to a bucket when the S3
settings are given (MEDIA_STORAGE=s3, S3_BUCKET, …, credentials as boto3 reads them); `--local-s3`
starts moto's S3 server on loopback for that (a development dependency). Ctrl-C stops everything.

HAProxy comes from Debian's packages. If it is missing, this installs it when it runs as root
(as on this project's machines and CI), and otherwise says the command to run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SHOP_GUNICORN_CONF = PROJECT_ROOT / "storefront" / "gunicorn_conf.py"
APT_COMMAND = "apt-get update && apt-get install -y haproxy"


def say(text: str) -> None:
    print(text, flush=True)


class ClusterFailed(RuntimeError):
    pass


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)),
                        help="the balancer's port on 127.0.0.1 (default 5000; its statistics on the next one)")
    parser.add_argument("--nodes", type=int, default=2, help="app nodes (default 2)")
    parser.add_argument("--postgres", default=os.environ.get("CLUSTER_POSTGRES", DEFAULT_POSTGRES),
                        help=f"the PostgreSQL server (default {DEFAULT_POSTGRES})")
    parser.add_argument("--database", default="shop_cluster", help="the database on it (default shop_cluster)")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS,
                        help=f"REDIS_URL for every process (default $REDIS_URL or {DEFAULT_REDIS})")
    parser.add_argument("--local-s3", action="store_true",
                        help="store images in a bucket on moto's S3 server, started here on loopback")
    parser.add_argument("--instance", default=str(PROJECT_ROOT / "instance" / "cluster"),
                        help="the nodes' shared instance folder: secret key, upload folder, logs")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As HAProxy binds: connections of an earlier run still closing (TIME_WAIT) do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


# --- what must be there first -------------------------------------------------------------------

def haproxy_binary() -> str:
    """The haproxy program, installed from Debian's packages when missing and we are root.

    :raise ClusterFailed: when it is missing and we may not install it.
    """
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.geteuid() != 0:
        raise ClusterFailed(f"HAProxy is not installed. Install it with:\n    sudo {APT_COMMAND}")
    say(f"HAProxy is not installed; installing it (running as root): {APT_COMMAND}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "haproxy"]):
        if subprocess.run(command, env=env).returncode != 0:
            raise ClusterFailed(f"could not install HAProxy ({' '.join(command)} failed)")
    found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not os.access(found, os.X_OK):
        raise ClusterFailed("HAProxy was installed but its program is not where Debian puts it")
    return found


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise ClusterFailed(f"Redis is not reachable at {url} ({error}); start it, or pass --redis") from None


def ensure_database(server: str, name: str) -> str:
    """The URL of database `name` on the server, made if it is not there yet."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(server)
    admin = sa.create_engine(url.set(database=url.database or "postgres"), isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": name}).scalar()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                say(f"Created the database {name}")
    except sa.exc.OperationalError as error:
        raise ClusterFailed(f"PostgreSQL is not reachable at {server}: {error.orig}") from None
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


# --- the processes ------------------------------------------------------------------------------

class Process:
    """A child in its own process group, so that stopping it stops its workers too (and only them)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.command, self.log_path = name, command, log
        self.log = log.open("a")
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """A graceful TERM (gunicorn finishes the requests it has), KILL if it hangs."""
        if self.alive():
            for signum, timeout in ((signal.SIGTERM, 30), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, signum)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.log.close()


def gunicorn_command(port: int, control_socket: Path) -> list[str]:
    if SHOP_GUNICORN_CONF.exists():
        settings = ["-c", "python:storefront.gunicorn_conf"]
    else:  # the flags `make run` passes, until the shop has its settings file
        settings = ["--workers", "2", "--threads", "4"]
    # A control socket each (`gunicornc -s PATH`): by default every gunicorn of a user shares one path.
    return [str(VENV_BIN / "gunicorn"), *settings, "--bind", f"127.0.0.1:{port}",
            "--control-socket", str(control_socket), "wsgi:app"]


def haproxy_config(port: int, stats_port: int, nodes: list[int]) -> str:
    servers = "\n".join(f"    server node{i} 127.0.0.1:{node_port} check" for i, node_port in enumerate(nodes, 1))
    return f"""# Written by bench/cluster.py for this run.
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 10s
    # A request to a node that is just going away goes to another one.
    retries 2
    option redispatch

frontend shop
    bind 127.0.0.1:{port}
    # The nodes trust one proxy hop (PROXY_FIX_HOPS=1): the address this adds is the client's.
    option forwardfor
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthz
    # A node is alive while it answers: 503 means its database is away for a moment, and the node
    # then answers cached pages and the shopper's friendly 503 page (HAProxy's own 503 would be
    # plain and in English). A node that does not answer at all is taken out.
    http-check expect rstatus (200|503)
    default-server inter 2s fall 2 rise 2
    # Which node answered, for counting (bench/flash_sale.py); drop it in production if unwanted.
    http-response set-header X-Served-By %s
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
    stats refresh 5s
"""


def run_flask(args: list[str], env: dict[str, str]) -> None:
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    if subprocess.run(command, cwd=PROJECT_ROOT, env=env).returncode != 0:
        raise ClusterFailed(f"`flask {' '.join(args)}` failed")


def start_local_s3(instance: Path, env: dict[str, str]) -> tuple[Process, dict[str, str]]:
    """moto's S3 server on a loopback port, with a bucket; the settings that point the shop at it."""
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError:
        raise ClusterFailed("--local-s3 needs the development packages (boto3, moto[server]): make test "
                            "installs them") from None
    port = free_port()
    server = Process("s3", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env,
                     instance / "s3.log")
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not answers(f"{endpoint}/moto-api/") and time.monotonic() < deadline:
        if not server.alive():
            raise ClusterFailed(f"moto's S3 server exited; see {server.log_path}")
        time.sleep(0.2)
    settings = {"MEDIA_STORAGE": "s3", "S3_BUCKET": "shop-media", "S3_ENDPOINT_URL": endpoint,
                "S3_REGION": "us-east-1", "S3_PREFIX": "media/", "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local", "AWS_EC2_METADATA_DISABLED": "true"}
    from storefront.storage import s3_client

    os.environ.update({k: settings[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    s3_client(endpoint, "us-east-1").create_bucket(Bucket=settings["S3_BUCKET"])
    return server, settings


def wait_until(what: str, check, processes: list[Process], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        for process in processes:
            if not process.alive():
                raise ClusterFailed(f"{process.name} exited; see {process.log_path}")
        time.sleep(0.3)
    raise ClusterFailed(f"{what} did not answer within {timeout:.0f} s")


def watch(processes: list[Process]) -> None:
    """Until Ctrl-C. A node that exits is only reported: the balancer's health check takes it out of
    the rotation and the others serve, as in production. :raise ClusterFailed: when the balancer,
    the worker or the last node has exited."""
    reported: set[str] = set()
    while True:
        for process in processes:
            if process.alive() or process.name in reported:
                continue
            if not process.name.startswith("node"):
                raise ClusterFailed(f"{process.name} exited ({process.process.returncode}); "
                                    f"see {process.log_path}")
            reported.add(process.name)
            say(f"{process.name} exited ({process.process.returncode}; see {process.log_path}): the "
                f"balancer's health check takes it out, the other nodes go on serving")
        if not any(p.alive() for p in processes if p.name.startswith("node")):
            raise ClusterFailed("every app node has exited")
        time.sleep(1)


def run(args: argparse.Namespace) -> int:
    if not port_is_free(args.port) or not port_is_free(args.port + 1):
        raise ClusterFailed(f"port {args.port} or {args.port + 1} on 127.0.0.1 is taken: pass PORT=…")
    haproxy = haproxy_binary()
    check_redis(args.redis)
    database_url = ensure_database(args.postgres, args.database)
    instance = Path(args.instance)
    instance.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{args.port}"
    # One environment for every process: what production sets on every node and worker.
    env = dict(os.environ,
               DATABASE_URL=database_url, REDIS_URL=args.redis, INSTANCE_PATH=str(instance),
               UPLOAD_FOLDER=os.environ.get("UPLOAD_FOLDER") or str(instance / "uploads"),
               PROXY_FIX_HOPS="1", PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL") or base_url,
               TASKS_IMMEDIATE="false",
               # The demo social page and its Meta app (the flash sale signs launches for it); plain
               # cookies over http on loopback.
               DEMO_PAGE=os.environ.get("DEMO_PAGE", "true"),
               EMBEDDED_COOKIES=os.environ.get("EMBEDDED_COOKIES", "false"))
    # The settings' fallbacks send rate limits, the queue and the page cache to REDIS_URL; settings
    # of a developer's own (pointing at files of one machine) must not split them again.
    for name in ("HUEY_URL", "RATELIMIT_STORAGE_URI", "PAGE_CACHE_URL"):
        env.pop(name, None)
    if env.get("S3_BUCKET") and not env.get("MEDIA_STORAGE"):
        env["MEDIA_STORAGE"] = "s3"
    processes: list[Process] = []
    try:
        if args.local_s3:
            server, settings = start_local_s3(instance, env)
            processes.append(server)
            env.update(settings)
        # Every node reads the same secret key: SECRET_KEY if set, else the instance folder's file,
        # which the first `flask` command below makes before any node starts.
        say(f"Database {args.database}: migrating, then the demo shop (only what is missing)")
        run_flask(["db", "upgrade"], env)
        run_flask(["demo", "load"], env)

        node_ports = [free_port() for _ in range(args.nodes)]
        for i, port in enumerate(node_ports, 1):
            processes.append(Process(f"node{i}", gunicorn_command(port, instance / f"node{i}.ctl"), env,
                                     instance / f"node{i}.log"))
        processes.append(Process("worker", [str(VENV_BIN / "huey_consumer"), "storefront.worker.huey",
                                            "--workers", "2", "--worker-type", "thread"], env,
                                 instance / "worker.log"))
        for i, port in enumerate(node_ports, 1):
            wait_until(f"node{i}", lambda port=port: answers(f"http://127.0.0.1:{port}/healthz"), processes)
        config = instance / "haproxy.cfg"
        config.write_text(haproxy_config(args.port, args.port + 1, node_ports))
        checked = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise ClusterFailed(f"HAProxy refused {config}:\n{checked.stdout}{checked.stderr}")
        processes.append(Process("haproxy", [haproxy, "-db", "-f", str(config)], env, instance / "haproxy.log"))
        wait_until("the balancer", lambda: answers(f"{base_url}/healthz"), processes)

        say("")
        say(f"The shop, balanced over {args.nodes} nodes: {base_url}/   (statistics: http://127.0.0.1:{args.port + 1}/)")
        for process in processes:
            detail = process.command[process.command.index("--bind") + 1] if process.name.startswith("node") \
                else Path(process.command[0]).name
            say(f"  {process.name:<8} pid {process.pid:<7} {detail}   log: {process.log_path}")
        say(f"  database {database_url}")
        say(f"  redis    {args.redis}   (rate limits, task queue, page cache)")
        say("  images   " + (f"bucket {env['S3_BUCKET']} at {env.get('S3_ENDPOINT_URL') or 'AWS'}"
                             if env.get("MEDIA_STORAGE") == "s3" else f"folder {env['UPLOAD_FOLDER']}"))
        say("  gunicorn settings: " + ("storefront/gunicorn_conf.py" if SHOP_GUNICORN_CONF.exists()
                                       else "--workers 2 --threads 4"))
        say(f"Flash sale through the balancer: {sys.executable} -m bench.flash_sale --base-url {base_url} "
            f"--database-url {database_url}")
        say("Ctrl-C stops everything.")
        watch(processes)
    finally:
        # The balancer first, so no request reaches a node that is going away; the bucket last.
        order = {"haproxy": 0, "worker": 2, "s3": 3}
        for process in sorted(processes, key=lambda p: order.get(p.name, 1)):
            process.stop()
        if processes:
            say(f"Stopped {', '.join(p.name for p in processes)}.")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C stops everything even when a shell started us in the background, with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 0
    except ClusterFailed as error:
        say(f"make cluster: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
