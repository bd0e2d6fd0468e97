"""NUL characters never reach the database.

PostgreSQL cannot store NUL in text ("text fields cannot contain NUL (0x00) bytes": a 500, or a
form acknowledged and then not saved), and NUL means nothing in a name or a comment. So it is dropped
here, once, for every text column: on the ORM attribute as it is set (``strip_text_columns``, so an
object holds what is stored), and from every string parameter of every statement sent
(``drop_nul_from_parameters``, for Core and ``text()`` statements). SQLite gets the same, so both
databases keep the same text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, String, event
from sqlalchemy.orm import DeclarativeBase, Mapper

NUL = "\x00"


def without_nul(value: Any) -> Any:
    """``value`` without NUL characters when it is a string; else ``value`` itself."""
    return value.replace(NUL, "") if type(value) is str and NUL in value else value


def _has_nul(values: Any) -> bool:
    return any(type(v) is str and NUL in v for v in values)


def _params_without_nul(params: Any) -> Any:
    """One statement's parameters (a dict, or a tuple/list for positional styles) with NUL dropped
    from every string; the same object when none has one."""
    if isinstance(params, dict):
        return {k: without_nul(v) for k, v in params.items()} if _has_nul(params.values()) else params
    if isinstance(params, list | tuple):
        return type(params)(without_nul(v) for v in params) if _has_nul(params) else params
    return params


def drop_nul_from_parameters(engine: Engine) -> None:
    """Every string parameter sent through ``engine`` loses its NUL characters."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _on_execute(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if executemany and isinstance(parameters, list | tuple):
            parameters = [_params_without_nul(p) for p in parameters]
        else:
            parameters = _params_without_nul(parameters)
        return statement, parameters


def strip_text_columns(base: type[DeclarativeBase]) -> None:
    """Every string column of every model of ``base``: NUL is dropped as the attribute is set."""

    def _on_set(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
        return without_nul(value)

    @event.listens_for(base, "mapper_configured", propagate=True)
    def _on_mapper(mapper: Mapper[Any], cls: type) -> None:
        for prop in mapper.column_attrs:
            if prop.columns and all(isinstance(c.type, String) for c in prop.columns):
                event.listen(getattr(cls, prop.key), "set", _on_set, retval=True)
