"""The forces part's admin pages: the norms (队伍建设标准) — whose change recounts the
``met`` tallies (the most specific norm of each cell may have changed) — and the forces'
records read-only (they change through the actions: pages, API, imports)."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.resources import tally
from qianshao.resources.models import Expert, Norm, SocialForce, Team, TeamKind


class NormForm(forms.ModelForm):
    team_kinds = forms.MultipleChoiceField(
        label=_("计入的队伍类型"),
        choices=TeamKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("留空为综合性"),
    )

    class Meta:
        model = Norm
        fields = ["cell_kind", "minimum", "team_kinds", "within"]


@admin.register(Norm)
class NormAdmin(AuditedModelAdmin):
    """队伍建设标准: per kind of cell, the members one counted team must have; a norm with a
    subtree (适用范围) applies there instead (the most specific wins). Saving or deleting one
    rebuilds the tallies in the same transaction."""

    form = NormForm
    list_display = ["cell_kind", "minimum", "team_kinds", "within"]
    list_filter = ["cell_kind"]
    raw_id_fields = ["within"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            tally.rebuild()

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            tally.rebuild()


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "cell", "kind", "status", "members_n"]
    list_filter = ["kind", "status"]
    search_fields = ["name"]
    raw_id_fields = ["cell", "leader"]


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ["name", "field", "cell", "verified_on", "overdue"]
    list_filter = ["overdue"]
    search_fields = ["name", "field"]
    raw_id_fields = ["cell", "keeper"]


@admin.register(SocialForce)
class SocialForceAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "cell", "size", "agreement_end"]
    search_fields = ["organisation"]
    raw_id_fields = ["cell"]
