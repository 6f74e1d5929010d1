"""The public report page: placing, sanitising, photos, identity, resends, and bad input."""

import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from qianshao.audit.models import AuditRecord
from qianshao.hazards.models import Photo, PublicReport
from qianshao.hazards.tests.conftest import jpeg
from qianshao.notify.models import Message


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def form(**data):
    fields = {
        "cell": "450901100",
        "text": "河堤出现管涌",
        "address": "",
        "anonymous": "1",
        "client_uuid": str(uuid.uuid4()),
    }
    return {k: v for k, v in (fields | data).items() if v is not None}


def upload(name="p.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type=content_type)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (24.0, 5.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (106.0, 10.0, 0.0),
    }
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.django_db
def test_the_report_page_offers_the_townships_of_the_county_and_works_without_a_login(cast, client):
    response = client.get("/report/")
    html = response.content.decode()
    assert response.status_code == 200
    for code in ["450901100", "450901101", "450902100"]:
        assert f'value="{code}"' in html
    for code in ["450901", "450901100201", "450902"]:
        assert f'value="{code}"' not in html
    assert 'label="A县"' in html and 'name="photos"' in html and "multiple" in html
    # the locate button's script is the public bundle's (no inline script: docs/adr/0016)
    assert 'name="viewport"' in html and "/static/dist/public.js" in html


@pytest.mark.django_db
def test_text_is_stored_without_markup_or_control_characters_and_shown_escaped(cast, client):
    text = '<b>油桶</b><script>alert(1)</script>\x07堆放 < 5 米 & "危险"'
    response = client.post("/report/", form(text=text, address="<i>工业路</i>"))
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert report.text == '油桶alert(1)堆放 < 5 米 & "危险"'
    assert report.address == "工业路"
    html = client.get(response["Location"]).content.decode()
    assert "堆放 &lt; 5 米 &amp; &quot;危险&quot;" in html
    assert "<script>alert" not in html and "<b>油桶" not in html


@pytest.mark.django_db
def test_photos_are_re_encoded_without_their_gps_position(cast, client):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = client.post("/report/", form(photos=[upload("gps.jpg", original)]))
    assert response.status_code == 302
    photo = Photo.objects.get()
    with photo.image.open("rb") as f:
        stored = f.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and (photo.width, photo.height) == (80, 60)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(image.getexif()) == 0
    assert b"Exif" not in stored and b"PhoneMaker" not in stored


@pytest.mark.django_db
def test_an_anonymous_report_keeps_no_name_or_phone_even_if_they_were_posted(cast, client):
    response = client.post("/report/", form(anonymous="1", name="张三", phone="13800001234"))
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert (report.anonymous, report.name, report.phone) == (True, "", "")
    record = AuditRecord.objects.for_object(report).get()
    assert "13800001234" not in str(record.after) and "张三" not in str(record.after)


@pytest.mark.django_db
def test_the_phones_location_places_the_report_in_the_deepest_cell_that_holds_it(cast, client):
    response = client.post("/report/", form(cell="", lon="106.1", lat="24.1"))
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert (report.cell, report.cell_path) == (cast.village, cast.village.path)
    assert (report.lon, report.lat) == (106.1, 24.1)


@pytest.mark.django_db
def test_a_location_inside_the_chosen_township_narrows_it_to_the_village(cast, client):
    response = client.post("/report/", form(cell="450901100", lon="106.1", lat="24.3"))
    assert response.status_code == 302
    assert PublicReport.objects.get().cell == cast.cell("450901100202")


@pytest.mark.django_db
def test_the_township_is_told_of_a_new_report(cast, client):
    client.post("/report/", form())
    report = PublicReport.objects.get()
    told = Message.objects.filter(event="hazards.public_report")
    assert list(told.values_list("user_id", flat=True)) == [cast.users["township"].pk]
    assert told.get().link == f"/hazards/public/{report.tracking_code}/"


@pytest.mark.django_db
def test_a_resent_form_returns_the_first_report_instead_of_a_second(cast, client):
    data = form(photos=None)
    first = client.post("/report/", data)
    again = client.post("/report/", data)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert PublicReport.objects.count() == 1


BAD = [
    ("no text", {"text": ""}, "text", "举报内容"),
    ("markup only", {"text": "<p><br></p>"}, "text", "举报内容：不能为空"),
    ("text too long", {"text": "长" * 2001}, "text", "举报内容"),
    ("no place", {"cell": ""}, "cell", "所在乡镇（街道）：请选择所在乡镇，或使用手机定位"),
    ("unknown township", {"cell": "NOPE"}, "cell", "所在乡镇（街道）"),
    # a village is a choice too since a cell's public page fills it in (issue 12, defect 12);
    # a county is not
    ("a county for a township", {"cell": "450901"}, "cell", "所在乡镇（街道）"),
    ("lon without lat", {"cell": "", "lon": "106.1"}, "lon", "定位经度"),
    ("lon out of range", {"lon": "200", "lat": "24"}, "lon", "定位经度"),
    ("a point in no county", {"cell": "", "lon": "120", "lat": "30"}, "lon", "不在本平台"),
    ("a point outside the township", {"lon": "106.3", "lat": "24.1"}, "lon", "不在所选乡镇"),
    ("real name without a name", {"anonymous": "0", "phone": "13912345678"}, "name", "姓名"),
    ("real name, bad mobile", {"anonymous": "0", "name": "李", "phone": "123"}, "phone", "手机"),
    ("real name, no mobile", {"anonymous": "0", "name": "李"}, "phone", "手机号码"),
    ("unknown way", {"anonymous": "maybe"}, "anonymous", "举报方式"),
    ("bad uuid", {"client_uuid": "x"}, "client_uuid", "提交编号"),
    ("long name", {"anonymous": "0", "name": "名" * 33, "phone": "13912345678"}, "name", "姓名"),
]


def error_box(html: str) -> str:
    start = html.index('data-testid="errors"')
    return html[start : html.index("</div>", start)]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "data", "field", "named"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    cast, client, case, data, field, named
):
    audit = AuditRecord.objects.count()
    response = client.post("/report/", form(**data))
    assert response.status_code == 400, case
    box = error_box(response.content.decode())
    assert f'data-field="{field}"' in box
    assert named in box
    assert not PublicReport.objects.exists()
    assert AuditRecord.objects.count() == audit


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_naming_the_photos_field(cast, client):
    photos = [upload(), upload("note.txt", b"not an image at all", "text/plain")]
    response = client.post("/report/", form(photos=photos))
    assert response.status_code == 400
    assert "照片（可多张）：note.txt 不是有效的图片" in error_box(response.content.decode())
    assert not PublicReport.objects.exists() and not Photo.objects.exists()


@pytest.mark.django_db
def test_a_photo_over_the_size_limit_is_refused_naming_the_photos_field(cast, client, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    big = jpeg(400, 400, (1, 2, 3)) + b"\0" * 2000
    response = client.post("/report/", form(photos=[upload("big.jpg", big)]))
    assert response.status_code == 400
    assert "照片（可多张）：big.jpg 超过" in error_box(response.content.decode())
    assert not PublicReport.objects.exists() and not Photo.objects.exists()


@pytest.mark.django_db
def test_more_than_nine_photos_are_refused(cast, client):
    response = client.post("/report/", form(photos=[upload(f"{i}.jpg") for i in range(10)]))
    assert response.status_code == 400
    assert "照片（可多张）：最多上传 9 张照片" in error_box(response.content.decode())
    assert not PublicReport.objects.exists()


@pytest.mark.django_db
def test_a_uuid_used_for_something_else_is_refused_with_409(cast, client, client_for):
    from qianshao.intake.idempotent import submit

    key = uuid.uuid4()
    submit(key, "something.else", None, lambda: cast.township)
    response = client.post("/report/", form(client_uuid=str(key)))
    assert response.status_code == 409
    assert not PublicReport.objects.exists()


@pytest.mark.django_db
def test_only_get_and_post_reach_the_report_page(cast, client):
    assert client.put("/report/").status_code == 405
    assert client.post("/report/track/").status_code == 405
