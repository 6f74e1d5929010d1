"""Form pieces every area's pages share: a form without Django's trailing colon, several
photos from one file input, and the hidden client UUID of idempotent intake."""

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class NoColon:
    """Labels without Django's trailing colon: the pages are Chinese and set them apart.
    Mixed into every form the pages show, Django's own (login, password) included."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class Form(NoColon, forms.Form):
    """The form every page's form is."""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one file input. Each is checked and re-encoded by the action;
    with ``max_count`` the field refuses more files, with ``check_size`` any file over
    ``settings.UPLOAD_MAX_BYTES`` before it is read (the public form, which has no login)."""

    def __init__(
        self,
        *,
        capture: bool = False,
        accept: str = "image/*",
        max_count: int | None = None,
        check_size: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("required", False)
        attrs = {"accept": accept, "multiple": True}
        if capture:
            attrs["capture"] = "environment"
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        self.max_count, self.check_size = max_count, check_size
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.max_count is not None and len(files) > self.max_count:
            raise forms.ValidationError(_("最多上传 %(n)s 张照片") % {"n": self.max_count})
        limit = settings.UPLOAD_MAX_BYTES
        for f in files if self.check_size else ():
            if f.size > limit:
                raise forms.ValidationError(
                    _("%(f)s 超过 %(m)s MB") % {"f": f.name, "m": limit // (1024 * 1024)}
                )
        return [super(PhotosField, self).clean(f, initial) for f in files]


def uuid_field() -> forms.UUIDField:
    """The hidden client UUID a form carries (a resend returns what the first produced)."""
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
