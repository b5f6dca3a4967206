"""Referrals over JSON, on the resource layer: an ambassador's token creates referrals and
lists and reads only its own (another's id answers 404); the bureau's readers read them all.
No update or delete here: staff handle referrals in the inbox (not built yet)."""

from crm.api import blueprint, resource
from crm.schemas.referrals import REFERRALS, TALENT_REFERRALS
from crm.services import referrals

REFERRAL_RESOURCE = resource.Resource(
    path="referrals",
    singular="referral",
    title="Referral",
    read_right=referrals.READ,
    write_right=referrals.SUBMIT,
    declaration=REFERRALS,
    search=referrals.list_referrals,
    get=referrals.get_referral,
    create=referrals.create_referral,
    update=None,
    delete=None,
    record_values=referrals.record_values,
    summary_values=lambda row: referrals.referral_values(*row),
)
resource.register(blueprint, REFERRAL_RESOURCE)

TALENT_REFERRAL_RESOURCE = resource.Resource(
    path="talent-referrals",
    singular="talent_referral",
    title="TalentReferral",
    read_right=referrals.READ,
    write_right=referrals.SUBMIT,
    declaration=TALENT_REFERRALS,
    search=referrals.list_talent_referrals,
    get=referrals.get_talent_referral,
    create=referrals.create_talent_referral,
    update=None,
    delete=None,
    record_values=referrals.talent_referral_values,
    summary_values=lambda referral: referrals.talent_referral_values(None, referral),
)
resource.register(blueprint, TALENT_REFERRAL_RESOURCE)
