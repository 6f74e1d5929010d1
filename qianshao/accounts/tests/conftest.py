import pytest
from django.test import Client


def _form_data(form) -> dict:
    """What a browser would post back for an unbound admin form, as it stands."""
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        widget = field.widget
        if hasattr(widget, "widgets"):  # a split date and time
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = widget.widgets[index].format_value(part) or ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    return data


@pytest.fixture
def deactivate(cast):
    """``deactivate(user)``: the administrator switches the login off in the admin site."""

    def deactivate_(user):
        admin = Client()
        admin.force_login(cast.users["admin"])
        url = f"/admin/accounts/user/{user.pk}/change/"
        data = _form_data(admin.get(url).context["adminform"].form)
        data.pop("is_active")
        response = admin.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        user.refresh_from_db()
        assert not user.is_active
        return user

    return deactivate_
