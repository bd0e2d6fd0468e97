"""Storage: models, queries and migrations. Importing the package registers every table."""

from storage import evaluations, models, org, slack_tables  # noqa: F401
