"""举报奖励: the reward record a real-name public report of a major hazard earns when the
hazard is closed (proposed here, inside ``actions.close``; decided in ``public``)."""

from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import routing
from qianshao.hazards.models import REWARD_FLOW, Grade, Hazard, PublicReport, Reward, RewardStep
from qianshao.notify.outbox import enqueue


def propose_reward(hazard: Hazard) -> Reward | None:
    """Inside ``close``: a real-name public report of a major hazard earns a reward record.

    Side effects (once per report): the reward, one audit record; the county is told.
    """
    public = PublicReport.objects.filter(hazard=hazard).first()
    if public is None or public.anonymous or hazard.grade != Grade.MAJOR:
        return None
    reward = Reward.objects.filter(public_report=public).first()
    if reward is None:  # the hazard is locked by its 销号: nobody proposes it meanwhile
        reward = REWARD_FLOW.begin(Reward(public_report=public), RewardStep.PROPOSE)
        reward.save(force_insert=True)
        audit(
            actor=None,
            action="hazards.propose_reward",
            obj=reward,
            cell_path=public.cell_path,
            after={"hazard": hazard.number},
        )
        county = routing.county_of(hazard.cell)
        enqueue(
            "hazards.propose_reward",
            subject=_("举报奖励待审批：%(t)s") % {"t": hazard.title},
            link=f"/hazards/public/{public.tracking_code}/",
            people=routing.people_of_cell(county, [routing.Role.DISPATCHER]),
        )
    return reward
