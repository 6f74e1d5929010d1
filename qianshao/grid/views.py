"""Grid pages: the tree and its search (cells and people), a cell, its grid card, a person
(the roster: views_roster.py; the contact book: views_people.py; the public cell page:
views_public.py)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.grid import actions
from qianshao.grid.access import (
    access_assignment,
    access_cell,
    access_person,
    scope_roots,
    visible_ancestors,
    visible_assignments,
    visible_cells,
)
from qianshao.grid.card import card_rows, qr_svg
from qianshao.grid.forms import AssignForm, CreateLoginForm, EndTermForm, MoveForm
from qianshao.grid.maps import cell_map
from qianshao.grid.people import find_people
from qianshao.grid.permissions import can_manage, may_give_login
from qianshao.grid.stats import child_counts, subtree_counts
from qianshao.intake.pages import take
from qianshao.lib import panels
from qianshao.lib.errors import ActionError


def tree(request):
    roots = scope_roots(request.user)
    return render(request, "grid/tree.html", {"roots": roots})


def children(request, code):
    cell = access_cell(request.user, code)
    kids = visible_cells(request.user).children_of(cell)
    return render(request, "grid/_children.html", {"cells": kids, "counts": child_counts(cell)})


def search(request):
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        found = visible_cells(request.user).filter(name__contains=q) | visible_cells(
            request.user
        ).filter(code__startswith=q.upper())
        found = found.select_related("parent").order_by("path")[:50]
    people = find_people(request.user, q)
    return render(request, "grid/_search.html", {"cells": found, "people": people, "q": q})


def cell_page(request, code, form=None, status=200):
    cell = access_cell(request.user, code)
    manage = can_manage(request.user, cell)
    departments = list(cell.departments.prefetch_related("domains"))
    context = {
        "cell": cell,
        "ancestors": visible_ancestors(request.user, cell),
        "children": visible_cells(request.user).children_of(cell),
        "child_counts": child_counts(cell),
        "counts": subtree_counts(cell),
        "assignments": visible_assignments(request.user).active().filter(cell=cell).by_rank(),
        "departments": departments,
        "map_data": cell_map(request.user, cell),
        "can_manage": manage,
        "assign_form": form or (AssignForm(departments=departments) if manage else None),
        "move_form": MoveForm() if manage and cell.parent_id else None,
        "card_risks": panels.card_risks(request.user, cell),
        "on_duty": panels.on_duty(request.user, cell),
    }
    return render(request, "grid/cell.html", context, status=status)


@require_POST
def assign(request, code):
    cell = access_cell(request.user, code)
    departments = list(cell.departments.all())
    form = AssignForm(request.POST, departments=departments)
    if not form.is_valid():
        return cell_page(request, code, form=form, status=400)
    data = form.cleaned_data
    department = next((d for d in departments if d.code == data.get("department")), None)

    def appoint():
        person = actions.find_or_create_person(
            request.user, name=data["name"], phone=data["phone"], cell=cell
        )
        return actions.assign_role(
            request.user,
            person=person,
            cell=cell,
            role=data["role"],
            duties=data["duties"],
            department=department,
            title=data["title"],
            start=data["start"],
            end=data["end"],
        )

    _done, refusal = take(form, "grid.assign_role", request.user, appoint)
    if refusal:
        return cell_page(request, code, form=form, status=refusal.status)
    messages.success(request, _("已任命 %(name)s") % {"name": data["name"]})
    return redirect("cell", code=cell.code)


@require_POST
def end_term(request, assignment_id):
    assignment = access_assignment(request.user, assignment_id)
    form = EndTermForm(request.POST)
    if not form.is_valid():
        return _back_with_errors(request, assignment.cell.code, form.errors.as_text())
    try:
        actions.end_term(
            request.user,
            assignment,
            end=form.cleaned_data["end"],
            reason=form.cleaned_data["reason"],
        )
    except ActionError as exc:
        return _back_with_errors(request, assignment.cell.code, exc.message, exc.status)
    messages.success(request, _("已结束 %(name)s 的任期") % {"name": assignment.person.name})
    return redirect("cell", code=assignment.cell.code)


@require_POST
def move(request, code):
    cell = access_cell(request.user, code)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _back_with_errors(request, code, form.errors.as_text())
    try:
        parent = access_cell(request.user, form.cleaned_data["parent"].strip().upper())
        actions.move_cell(request.user, cell, parent)
    except ActionError as exc:
        return _back_with_errors(request, code, exc.message, exc.status)
    messages.success(request, _("已移动到 %(p)s 之下") % {"p": parent.name})
    return redirect("cell", code=code)


def _back_with_errors(request, code, message, status=400):
    messages.error(request, message)
    return cell_page(request, code, status=status)


def card(request, code):
    cell = access_cell(request.user, code)
    # the QR code opens the cell's public page (no login): the people and risks the card
    # shows, and the public report form for the cell
    path = reverse("public-cell", args=[cell.code])
    link = f"{settings.BASE_URL}{path}" if settings.BASE_URL else request.build_absolute_uri(path)
    return render(
        request,
        "grid/card.html",
        {
            "cell": cell,
            "ancestors": cell.ancestors(),
            "rows": card_rows(
                visible_assignments(request.user).active().filter(cell=cell).by_rank()
            ),
            "qr": qr_svg(link),
            "link": link,
            "card_risks": panels.card_risks(request.user, cell),
            "on_duty": panels.on_duty(request.user, cell),
        },
    )


def person_page(request, person_id):
    person = access_person(request.user, person_id)
    assignments = visible_assignments(request.user).filter(person=person)
    cells = [a.cell for a in person.assignments.select_related("cell")]
    manage = may_give_login(request.user, cells)
    return render(
        request,
        "grid/person.html",
        {
            "person": person,
            "assignments": assignments,
            "can_manage": manage,
            "login_form": CreateLoginForm() if manage and not person.user_id else None,
        },
    )
