"""The catalogue of GB/T 38565-2020 (docs/adr/0023 "Supplies"): 7-digit codes, the class (1
digit) then the middle, small and fine classes (2 each; ``99`` is each level's 其他).

The migration loads only the three top classes and their catch-alls; the rest is added in the
admin or by import, each code checked here: digits of the right length, its parent present.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.lib.errors import ActionError
from qianshao.lib.text import clean_text
from qianshao.resources.models import Category, Item

CATEGORY_LENGTHS = (1, 3, 5)
ITEM_LENGTH = 7
UNIT_MAX = 8


def category_errors(code: str) -> str | None:
    """What is wrong with a category code (None when it is good): 1, 3 or 5 digits."""
    if not re.fullmatch(r"\d+", code or "") or len(code) not in CATEGORY_LENGTHS:
        return _("分类代码须为 1 位（大类）、3 位（中类）或 5 位（小类）数字")
    if code[0] == "0" or (len(code) > 1 and code[-2:] == "00"):
        return _("分类代码的各级不能为 0 或 00")
    return None


def parent_code(code: str) -> str | None:
    """The code one level up: ``20101`` → ``201`` → ``2`` → None; an item's is its 5 digits."""
    return {7: code[:5], 5: code[:3], 3: code[:1]}.get(len(code))


def item_code_error(code: str) -> str | None:
    """What is wrong with an item code (None when good): 7 digits whose class, middle and
    small class exist in the catalogue."""
    if not re.fullmatch(r"\d{7}", code or ""):
        return _("物资代码须为 7 位数字（大类 1 位，中类、小类、细类各 2 位）")
    if code[0] == "0" or "00" in (code[1:3], code[3:5], code[5:7]):
        return _("物资代码的各级不能为 0 或 00")
    known = set(
        Category.objects.filter(code__in=[code[:1], code[:3], code[:5]]).values_list(
            "code", flat=True
        )
    )
    for prefix in (code[:1], code[:3], code[:5]):
        if prefix not in known:
            return _("目录中没有分类 %(p)s，请先添加") % {"p": prefix}
    return None


@transaction.atomic
def add_category(actor, *, code: str, name: str) -> Category:
    """A class added below one that exists (中类 under 大类, 小类 under 中类)."""
    code = (code or "").strip()
    error = category_errors(code)
    if error:
        raise ActionError(error, "code")
    parent = None
    if len(code) > 1:
        parent = Category.objects.filter(code=parent_code(code)).first()
        if parent is None:
            raise ActionError(_("目录中没有上级分类 %(p)s") % {"p": parent_code(code)}, "code")
    if Category.objects.filter(code=code).exists():
        raise ActionError(_("分类代码 %(c)s 已存在") % {"c": code}, "code")
    category = Category.objects.create(
        code=code, name=clean_text(name, "name", limit=64), parent=parent
    )
    audit(actor=actor, action="supplies.category", obj=category, after={"code": code})
    return category


@transaction.atomic
def add_item(actor, *, code: str, name: str, unit: str, expires: bool = True) -> Item:
    """A fine class (细类): 7 digits under a small class that exists, with its unit."""
    code = (code or "").strip()
    error = item_code_error(code)
    if error:
        raise ActionError(error, "code")
    if Item.objects.filter(code=code).exists():
        raise ActionError(_("物资代码 %(c)s 已存在") % {"c": code}, "code")
    item = Item.objects.create(
        code=code,
        name=clean_text(name, "name", limit=64),
        unit=clean_text(unit, "unit", limit=UNIT_MAX),
        expires=expires,
        category=Category.objects.get(code=code[:5]),
    )
    audit(actor=actor, action="supplies.item", obj=item, after={"code": code, "unit": item.unit})
    return item
