"""The page where staff upload a CAP 1.2 file: it becomes a draft warning for their cells
(an Update or a Cancel acts on the warning it names), through warnings.importer."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.lib.errors import ActionError
from qianshao.lib.forms import Form
from qianshao.warnings import importer
from qianshao.warnings.permissions import NO_ISSUING_POST, lacks_issuing_post


class CapUploadForm(Form):
    file = forms.FileField(label=gettext_lazy("CAP 1.2 文件（.xml）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(_("文件超过 %(m)s MB") % {"m": limit})
        return upload


def cap_import(request):
    if lacks_issuing_post(request.user):
        raise PermissionDenied(NO_ISSUING_POST)
    if request.method != "POST":
        return render(request, "warnings/cap_import.html", {"form": CapUploadForm()})
    form, status = CapUploadForm(request.POST, request.FILES), 400
    if form.is_valid():
        try:
            w = importer.import_alert(form.cleaned_data["file"].read(), actor=request.user)
        except ActionError as exc:
            form.add_error("file", exc.message)
            status = exc.status
        else:
            said = _("已导入：%(h)s") if w.imported else _("该 CAP 消息已导入过：%(h)s")
            messages.success(request, said % {"h": w.headline})
            return redirect(f"/warnings/{w.number}/")
    return render(request, "warnings/cap_import.html", {"form": form}, status=status)
