"""The supplies part's admin pages: the catalogue extended beyond the standard's top classes
(each code checked: digits of its level, its parent present; code and unit fixed once
used), minimum levels set through the action (so shortages and their counters follow), and
the rest read only — stock moves only through the ledger."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import (
    Batch,
    Category,
    Item,
    Minimum,
    Movement,
    Point,
    Requisition,
    Transfer,
)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name"]

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        problem = catalogue.category_errors(code)
        if problem:
            raise forms.ValidationError(problem)
        parent = catalogue.parent_code(code)
        if parent and not Category.objects.filter(code=parent).exists():
            raise forms.ValidationError(_("目录中没有上级分类 %(p)s") % {"p": parent})
        return code


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    """物资分类 (GB/T 38565-2020): 1 digit 大类, 3 中类, 5 小类, each under its parent."""

    form = CategoryForm
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.parent = Category.objects.filter(code=catalogue.parent_code(obj.code)).first()
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = ["code", "name", "unit", "expires"]

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        problem = catalogue.item_code_error(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


@admin.register(Item)
class ItemAdmin(AuditedModelAdmin):
    """物资品目: 7 digits under a 小类 that exists, with its unit of measure (fixed once
    added: stock is counted in it)."""

    form = ItemForm
    list_display = ["code", "name", "unit", "expires", "category"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "unit"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.category = Category.objects.get(code=obj.code[:5])
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


class MinimumForm(forms.ModelForm):
    class Meta:
        model = Minimum
        fields = ["point", "item", "quantity"]


@admin.register(Minimum)
class MinimumAdmin(admin.ModelAdmin):
    """最低储备 per point and item, set through the action (its shortage and counters
    follow, one audit record)."""

    form = MinimumForm
    list_display = ["point", "item", "quantity", "short"]
    list_filter = ["short"]
    raw_id_fields = ["point", "item"]

    def get_readonly_fields(self, request, obj=None):
        return ["point", "item"] if obj else []

    def save_model(self, request, obj, form, change):
        saved = actions.set_minimum(
            request.user, obj.point, item=obj.item, quantity=form.cleaned_data["quantity"]
        )
        obj.pk, obj.short = saved.pk, saved.short

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Point)
class PointAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "cell", "manager"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    """Batches move only through the ledger (pages, API)."""

    list_display = ["pk", "point", "item", "lot", "quantity", "expires", "band"]
    list_filter = ["band", "source"]


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "point", "at", "purpose", "reason"]
    list_filter = ["kind"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["pk", "source", "destination", "status", "sent_at"]
    list_filter = ["status"]


@admin.register(Requisition)
class RequisitionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "point", "owner", "value", "status", "taken_at"]
    list_filter = ["status"]
