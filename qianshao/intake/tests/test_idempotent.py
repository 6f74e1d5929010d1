"""Idempotent intake: a phone may resend a submission with the same client UUID."""

import threading
import uuid

import pytest
from django.db import connection

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.models import Person, RoleAssignment
from qianshao.intake.idempotent import IntakeConflict, submit
from qianshao.intake.models import Submission
from qianshao.lib.errors import ActionError

KIND = "grid.create_person"


def register(cast, phone="13755550000", name="钱九", user=None):
    """The action a phone submits: the township registers a person in 一村."""
    user = user or cast.users["township"]
    return lambda: actions.create_person(user, name=name, phone=phone, cell=cast.village)


def test_the_first_submission_runs_the_action(cast):
    key = uuid.uuid4()
    person, created = submit(key, KIND, cast.users["township"], register(cast))

    assert created is True
    assert Person.objects.get(phone="13755550000") == person
    submission = Submission.objects.get(uuid=key)
    assert (submission.kind, submission.user, submission.object_type, submission.object_id) == (
        KIND,
        cast.users["township"],
        "grid.person",
        str(person.pk),
    )


def test_a_repeat_returns_the_first_result_and_runs_nothing(cast):
    key = uuid.uuid4()
    first, _ = submit(key, KIND, cast.users["township"], register(cast))
    audited, people = AuditRecord.objects.count(), Person.objects.count()

    again, created = submit(str(key), KIND, cast.users["township"], register(cast, "13755550001"))

    assert (again, created) == (first, False)
    assert Person.objects.count() == people
    assert not Person.objects.filter(phone="13755550001").exists()
    assert AuditRecord.objects.count() == audited
    assert Submission.objects.count() == 1


def test_a_uuid_used_by_another_user_is_refused(cast):
    key = uuid.uuid4()
    submit(key, KIND, cast.users["township"], register(cast))
    with pytest.raises(IntakeConflict):
        submit(
            key,
            KIND,
            cast.users["county"],
            register(cast, "13755550001", user=cast.users["county"]),
        )
    assert not Person.objects.filter(phone="13755550001").exists()


def test_a_uuid_used_for_another_kind_is_refused(cast):
    key = uuid.uuid4()
    submit(key, KIND, cast.users["township"], register(cast))
    with pytest.raises(IntakeConflict):
        submit(key, "hazards.report", cast.users["township"], register(cast, "13755550001"))
    assert not Person.objects.filter(phone="13755550001").exists()


def test_a_uuid_spent_on_one_object_is_refused_on_another(cast):
    """A step's UUID belongs to the step on its object: a resend on the same object
    replays; the same UUID on another object is refused, not answered as if done."""
    key, township = uuid.uuid4(), cast.users["township"]
    first, _ = submit(key, KIND, township, register(cast), on=cast.village)
    assert submit(key, KIND, township, register(cast, "13755550001"), on=cast.village) == (
        first,
        False,
    )
    with pytest.raises(IntakeConflict):
        submit(key, KIND, township, register(cast, "13755550001"), on=cast.township)
    assert not Person.objects.filter(phone="13755550001").exists()


def test_an_anonymous_submission_is_replayed_only_to_the_anonymous(cast, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    key = uuid.uuid4()
    first, _ = submit(key, KIND, AnonymousUser(), register(cast, user=None))
    assert Submission.objects.get(uuid=key).user is None
    assert submit(key, KIND, None, register(cast, "13755550001")) == (first, False)
    with pytest.raises(IntakeConflict):
        submit(key, KIND, cast.users["township"], register(cast, "13755550001"))


def test_an_action_that_fails_leaves_nothing_so_a_retry_can_succeed(cast):
    key = uuid.uuid4()
    with pytest.raises(ActionError) as refused:
        submit(key, KIND, cast.users["township"], register(cast, phone="12345"))
    assert refused.value.field == "phone"
    assert not Submission.objects.filter(uuid=key).exists()

    person, created = submit(key, KIND, cast.users["township"], register(cast))
    assert created is True
    assert person.phone == "13755550000"


def test_a_failure_after_the_first_write_undoes_it(cast):
    key = uuid.uuid4()

    def register_then_fail():
        register(cast)()
        raise ActionError("后续步骤失败", "role")

    with pytest.raises(ActionError):
        submit(key, KIND, cast.users["township"], register_then_fail)
    assert not Person.objects.filter(phone="13755550000").exists()
    assert not Submission.objects.exists()


def test_a_malformed_uuid_is_refused(cast):
    with pytest.raises(ValueError):
        submit("not-a-uuid", KIND, cast.users["township"], register(cast))
    assert not Person.objects.filter(phone="13755550000").exists()


def test_the_api_answers_a_resend_with_the_first_assignment(cast, client_for):
    client = client_for(cast.users["township"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "role": "informant",
        "new_person": {"name": "孙十", "phone": "13755550002"},
    }
    first = client.post("/api/v1/assignments", body, content_type="application/json")
    again = client.post("/api/v1/assignments", body, content_type="application/json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert RoleAssignment.objects.filter(person__phone="13755550002").count() == 1

    body["new_person"]["phone"] = "13755550003"
    other = client_for(cast.users["county"]).post(
        "/api/v1/assignments", body, content_type="application/json"
    )
    assert other.status_code == 409
    assert other.json()["field"] == "client_uuid"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_exactly_one_object(cast):
    key = uuid.uuid4()
    township = cast.users["township"]
    count = 6
    barrier = threading.Barrier(count)
    results, errors = [], []

    def resend(_):
        try:
            barrier.wait(10)
            results.append(submit(key, KIND, township, register(cast)))
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=resend, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len({person.pk for person, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (count - 1) + [True]
    assert Person.objects.filter(phone="13755550000").count() == 1
    assert Submission.objects.count() == 1
    assert (
        AuditRecord.objects.filter(action="grid.create_person", note="").count()
        == len(cast.people) + 1
    )
