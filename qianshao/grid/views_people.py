"""The contact book (通讯录): the people of the user's scope, grouped by cell in tree order,
each with their post and a phone to tap; and above them the dispatchers the user's people
call (for a village member, their township's and county's: see ``people.dispatchers_above``).
``?cell=<code>`` narrows it to a cell's subtree in the user's scope (404 outside)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from qianshao.grid.access import access_cell
from qianshao.grid.people import contact_posts, dispatchers_above
from qianshao.lib import keyset

PAGE_SIZE = 100


@require_GET
def contacts(request):
    code = request.GET.get("cell", "").strip().upper()
    cell = access_cell(request.user, code) if code else None
    page = keyset.page(request, contact_posts(request.user, cell), PAGE_SIZE)
    above = dispatchers_above(request.user) if cell is None and page.first else []
    return render(request, "grid/contacts.html", {"cell": cell, "page": page, "above": above})
