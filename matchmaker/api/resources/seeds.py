"""/api/v1/seeds: published seeds for everyone; drafts and edits for their provider."""

from __future__ import annotations

from dataclasses import replace

from flask import abort
from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint, current_api_user
from matchmaker.api.inputs import MAX_ID, SeedIn, SeedListArgs, SeedPatchIn
from matchmaker.api.paging import page_body
from matchmaker.api.schemas import SeedOut, page_of
from matchmaker.common.listing import paginate
from matchmaker.extensions import db
from matchmaker.seeds import search, services
from matchmaker.seeds.models import Seed
from matchmaker.seeds.services import SeedData

blp = ApiBlueprint("api_seeds", __name__, description="Seeds: technologies of solution providers.")


def load_visible_seed(seed_id: int) -> Seed:
    """404 for unknown ids and other organizations' drafts, so existence never leaks."""
    seed = db.session.get(Seed, seed_id) if seed_id <= MAX_ID else None
    if seed is None or not services.can_view(current_api_user(), seed):
        abort(404)
    return seed


def seed_data(seed: Seed) -> SeedData:
    """The seed's current writable fields, so a PATCH changes only what it names."""
    return SeedData(
        title=seed.title,
        summary=seed.summary,
        trl=seed.trl,
        policy_areas=tuple(seed.policy_areas),
        language=seed.language,
        description=seed.description,
        keywords=tuple(seed.keywords or ()),
        track_record=seed.track_record,
        website=seed.website,
        ready_for_pilot=seed.ready_for_pilot,
        title_translated=seed.title_translated,
        summary_translated=seed.summary_translated,
    )


def _fields(data: dict) -> dict:
    """Lists become the tuples SeedData holds; repeated keywords are dropped."""
    out = dict(data)
    if "policy_areas" in out:
        out["policy_areas"] = tuple(dict.fromkeys(out["policy_areas"]))
    if "keywords" in out:
        seen: dict[str, str] = {}
        for word in (" ".join(k.split()) for k in out["keywords"]):
            if word:
                seen.setdefault(word.casefold(), word)
        out["keywords"] = tuple(seen.values())
    return out


@blp.route("/seeds")
class Seeds(MethodView):
    @blp.arguments(SeedListArgs, location="query", error_status_code=400)
    @blp.response(200, page_of(SeedOut))
    @blp.documented(400)
    def get(self, args):
        """Published seeds, newest first."""
        filters = search.SeedFilters(
            q=args["q"].strip(),
            area=args.get("policy_area"),
            trl_min=args.get("trl_min"),
            trl_max=args.get("trl_max"),
            ready=bool(args.get("ready_for_pilot")),
            language=args.get("language"),
        )
        stmt = search.published_seeds_query(filters)
        return page_body(paginate(stmt, args["page"], args["per_page"]))

    @blp.arguments(SeedIn)
    @blp.response(201, SeedOut)
    @blp.documented(400, 403, 409, 415, 422, anonymous=False)
    def post(self, data):
        """Register a draft seed for your organization (solution providers)."""
        return services.create_seed(current_api_user(), SeedData(**_fields(data)))


@blp.route("/seeds/<int:seed_id>")
class SeedItem(MethodView):
    @blp.response(200, SeedOut)
    @blp.documented(404)
    def get(self, seed_id: int):
        """One seed: published ones for everyone, drafts for their organization."""
        return load_visible_seed(seed_id)

    @blp.arguments(SeedPatchIn(partial=True))
    @blp.response(200, SeedOut)
    @blp.documented(400, 403, 404, 409, 415, 422, anonymous=False)
    def patch(self, data, seed_id: int):
        """Edit your organization's seed; a published one stays published."""
        seed = load_visible_seed(seed_id)
        version = data.pop("version", None)
        merged = replace(seed_data(seed), **_fields(data))
        return services.update_seed(seed, current_api_user(), merged, version)
