"""Run the local Stripe test server (localstripe) on 127.0.0.1:PORT: `python -m tests.stripe_server PORT`.

localstripe saves its whole state to one fixed file, /tmp/localstripe.pickle, after every write,
so two test runs on one machine would overwrite each other's data. Each test server here keeps
its state in memory only.
"""
import sys

from aiohttp import web
from localstripe import resources

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

from localstripe.server import app  # noqa: E402  (after the patch above)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
