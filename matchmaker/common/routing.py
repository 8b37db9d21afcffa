"""URL converters: path ids never exceed the 32-bit range of the id columns."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` with an upper bound: a larger number is a 404, not a database error
    (PostgreSQL refuses it as an INTEGER, SQLite beyond 64 bits)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
