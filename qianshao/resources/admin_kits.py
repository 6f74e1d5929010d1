"""The kits part's admin pages: the standards with their lines inline (an admin adds a
standard or a line; the cards follow through ``signals_kits``). A standard's duty is set
when it is added: changing it would move every holder's card, so it is read-only after."""

from django.contrib import admin

from qianshao.resources.models import KitCard, KitLine, KitStandard


class KitLineInline(admin.TabularInline):
    model = KitLine
    extra = 1
    fields = ["sort", "name", "quantity", "item_code"]


@admin.register(KitStandard)
class KitStandardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "duty"]
    inlines = [KitLineInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "duty"] if obj is not None else []


@admin.register(KitCard)
class KitCardAdmin(admin.ModelAdmin):
    """Read-only: cards are kept by the grid's terms and changed through the card page."""

    list_display = ["person", "standard", "cell", "active", "complete", "missing"]
    list_filter = ["standard", "active", "complete"]
    search_fields = ["person__name", "cell__name", "cell__code"]
    raw_id_fields = ["person", "cell"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
