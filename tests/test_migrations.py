"""The schema is created only by migrations, so they must describe exactly what the models say."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app

from storefront.extensions import db


def test_the_migrations_build_exactly_the_models_schema():
    with db.engine.connect() as connection:
        # As `flask db migrate` compares: with the app's Alembic options (objects it leaves out).
        options = current_app.extensions["migrate"].configure_args
        context = MigrationContext.configure(connection, opts={"compare_type": True, **options})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
