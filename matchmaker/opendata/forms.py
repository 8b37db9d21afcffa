"""The admin's feed upload form: one JSON file, nothing else."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

DEFAULT_MAX_FEED_BYTES = 8 * 1024 * 1024  # Challenge.gov's closed feed is about 3.6 MB


class FeedUploadForm(FlaskForm):
    feed = FileField(
        _l("Challenge.gov JSON Feed file"),
        validators=[FileRequired(_l("Choose a feed file to import."))],
    )


def read_limited(stream, limit: int) -> bytes | None:
    """The upload's bytes, or None when it is larger than `limit`."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data
