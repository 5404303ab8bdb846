"""Column helpers shared by the feature models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def column_length(attribute) -> int:
    """How many characters a model's column holds, e.g. column_length(Series.name): forms,
    the API and its OpenAPI document take their limits from here, so that each is written
    once, on the column. A Text column states the limit the app holds it to in
    `info={"max_length": n}` (the database itself takes any length)."""
    column = attribute.property.columns[0]
    length = getattr(column.type, "length", None) or column.info.get("max_length")
    if length is None:
        raise ValueError(f"{attribute} has no length")
    return length


def enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint, storing the members' values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
