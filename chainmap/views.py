"""Chain pages: the industrial-chain diagram and its analyses."""

from flask import Blueprint, render_template
from flask_babel import gettext as _

from crm.permissions import require

blueprint = Blueprint("chainmap", __name__)


@blueprint.get("/chain")
@require("chain.read")
def chain():
    return render_template("not_built.html", title=_("产业链"))
