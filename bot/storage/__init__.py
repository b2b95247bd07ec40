"""SQLAlchemy storage: the Repository port, engine setup and migrations.

engine = create_engine(settings.database_url)
await migrate(settings.database_url)
repository = SqlRepository(engine)
"""

from bot.storage.engine import create_engine, migrate
from bot.storage.repository import SqlRepository, SqlUnit

__all__ = ["SqlRepository", "SqlUnit", "create_engine", "migrate"]
