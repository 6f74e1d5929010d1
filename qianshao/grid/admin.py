from django.contrib import admin

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.grid.models import Cell, Department, Domain, Person, RoleAssignment, RosterImport


@admin.register(Cell)
class CellAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "kind", "level", "parent"]
    list_filter = ["kind", "level"]
    search_fields = ["code", "name"]
    # The tree itself changes only through actions (import, move a cell).
    readonly_fields = ["code", "kind", "level", "parent", "path"]
    fields = [
        "code",
        "name",
        "kind",
        "level",
        "parent",
        "path",
        "population",
        "area_km2",
        "centre_lon",
        "centre_lat",
        "boundary",
        "risks",
        "duty_phone",
        "vintage",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Domain)
class DomainAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "sort", "active"]
    list_editable = ["sort", "active"]


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "cell", "is_emergency_office"]
    filter_horizontal = ["domains"]
    raw_id_fields = ["cell"]


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ["name", "phone", "user"]
    search_fields = ["name", "phone"]
    raw_id_fields = ["user"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    """Appointments and terms change only through the grid actions (pages, API, roster)."""

    list_display = ["person", "cell", "role", "title", "start", "end"]
    list_filter = ["role"]
    search_fields = ["person__name", "cell__name", "cell__code"]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "user", "people", "assignments", "created_at"]
