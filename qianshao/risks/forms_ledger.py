"""The forms of the ledger part's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qianshao.lib.forms import Form
from qianshao.risks.importers import MAX_BYTES


class ImportForm(Form):
    file = forms.FileField(label=_("风险普查成果（.xlsx、.csv 或 .geojson）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(m)s MB，请拆分后分批导入") % {"m": MAX_BYTES // (1024 * 1024)}
            )
        return upload
