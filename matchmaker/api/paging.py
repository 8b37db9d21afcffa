"""Page-based pagination for API lists: the envelope with the total and neighbour links."""

from __future__ import annotations

from flask import request, url_for

from matchmaker.common.listing import Page


def _link(page_number: int) -> str:
    params = request.args.to_dict()
    params["page"] = page_number
    return url_for(request.endpoint, **(request.view_args or {}), **params, _external=True)


def page_body(page: Page) -> dict:
    """The items of one page plus `next`/`prev` URLs (null at either end)."""
    return {
        "items": page.items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "next": _link(page.page + 1) if page.has_next else None,
        "prev": _link(page.page - 1) if page.has_prev else None,
    }
