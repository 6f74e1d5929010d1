"""The once-per-step record the sweeps share (``workflow.once``): one row per object and
step taken, unique, so that a step a sweep took is never taken again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepTaken(models.Model):
    """A step a sweep took on an object, once: a hazard's supervision rung for one overdue
    step, a warning's chase step, a day's zero-report chase step. The unique pair
    (subject, step) is what decides that it happened; ``workflow.once`` writes it."""

    # which object: "<app>.<model>:<key>", built by ``once.subject``
    subject = models.CharField(max_length=100)
    # which step of it: "rung:3@submitted@<due, ISO>", "chase:1", ...
    step = models.CharField(max_length=100)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("已办步骤")
        verbose_name_plural = _("已办步骤")
        constraints = [
            models.UniqueConstraint(fields=["subject", "step"], name="one_step_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.step}"
