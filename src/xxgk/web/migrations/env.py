"""Alembic environment: the connection comes from xxgk.web.db.migrate (config.attributes["connection"])."""

from alembic import context

from xxgk.web.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
