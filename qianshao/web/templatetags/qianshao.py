import json
from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.filter
def as_json(value) -> str:
    """``value`` as JSON text for an attribute (``data-geojson="{{ data|as_json }}"``): not
    marked safe, so the template's escaping makes it an inert attribute value. Maps carry
    their data this way rather than in a ``<script>``: htmx, allowed no scripts (ADR 16),
    drops every script tag of what it swaps in, and a board's refresh is such a swap."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or None."""
    if not mapping:
        return None
    return mapping.get(key)


@register.simple_tag
def bundle(name: str) -> str:
    """The script of the front-end bundle ``name`` (frontend/build.mjs), with the stylesheet
    the build split off from it when it has one (Leaflet's, for the pages with a map): one
    tag, so that no page loads a bundle's script without its styles."""
    return _bundle_tags(name)


@cache
def _bundle_tags(name: str) -> str:
    css = f"dist/{name}.css"
    link = (
        format_html('<link rel="stylesheet" href="{}">', static(css)) if finders.find(css) else ""
    )
    script = format_html('<script src="{}" defer></script>', static(f"dist/{name}.js"))
    return format_html("{}{}", link, script)
