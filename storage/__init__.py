"""Storage: models, queries and migrations. Importing the package registers every table."""

from storage import evaluations, models, slack_tables  # noqa: F401
