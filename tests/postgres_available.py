"""Exit 0 when the PostgreSQL server in argv[1] accepts connections (used by `make test`)."""
import sys

import sqlalchemy as sa

try:
    engine = sa.create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
except Exception as exc:  # any failure means "not available here"
    print(f"PostgreSQL check failed: {exc.__class__.__name__}", file=sys.stderr)
    sys.exit(1)
