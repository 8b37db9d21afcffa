"""/api/v1/me: who the token acts for."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from matchmaker.api.core import ApiBlueprint, require_token
from matchmaker.api.schemas import MeOut

blp = ApiBlueprint("api_me", __name__, description="The account the token acts for.")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeOut)
    @blp.documented(anonymous=False)
    def get(self):
        """The token's account, role and organization, and the token's name and expiry."""
        user = require_token()
        return {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "is_approved": user.is_approved,
            "organization": user.organization,
            "token": g.api_token,
        }
