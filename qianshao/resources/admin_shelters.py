"""The shelters part's admin pages: the per-person area (避难场所规则, one row), whose change
recomputes every shelter's capacity and rebuilds the tallies through the action; shelters,
routes and households are read here and changed through their pages and API."""

from django.contrib import admin

from qianshao.audit.admin import ReadOnlyAdmin
from qianshao.resources import actions_shelters
from qianshao.resources.models import Household, Route, Shelter, ShelterRule


@admin.register(ShelterRule)
class ShelterRuleAdmin(admin.ModelAdmin):
    """避难场所规则: the effective area a person needs (0.5 m² by default). Saved through
    ``actions_shelters.change_rule``: one audit record, every capacity recomputed."""

    list_display = ["per_person_m2"]
    fields = ["per_person_m2"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ShelterRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = actions_shelters.change_rule(request.user, obj.per_person_m2)
        obj.pk = saved.pk


@admin.register(Shelter)
class ShelterAdmin(ReadOnlyAdmin):
    list_display = ["name", "cell", "category", "area_m2", "capacity", "status", "occupancy"]
    list_filter = ["status", "category"]
    search_fields = ["name", "address"]
    raw_id_fields = ["cell", "manager"]


@admin.register(Route)
class RouteAdmin(ReadOnlyAdmin):
    list_display = ["origin", "cell", "shelter", "length_m"]
    raw_id_fields = ["cell", "shelter"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["head", "cell", "members", "vulnerable_n", "shelter"]
    raw_id_fields = ["cell", "cadre", "shelter", "route"]
