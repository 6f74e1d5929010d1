import pytest
from huey.contrib.djhuey import HUEY

from qianshao.accounts.actions import create_login
from qianshao.grid import actions
from qianshao.grid.models import Role
from qianshao.lib.fakegateway import FakeGateway
from qianshao.testing import PASSWORD, appoint


@pytest.fixture
def gateway():
    """A real HTTP server on loopback that records what it is sent."""
    with FakeGateway() as fake:
        yield fake


@pytest.fixture
def sms_gateway(gateway, settings):
    """The fake gateway, configured as the SMS gateway."""
    settings.SMS_GATEWAY_URL = f"{gateway.url}sms/send"
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    return gateway


@pytest.fixture
def empty_queue():
    """The task queue of settings.HUEY (SQLite file or Redis), emptied before and after."""
    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def appointee(cast):
    """A village member with a login, who the township is about to appoint again."""
    township = cast.users["township"]
    person = appoint(cast.village, Role.MEMBER, name="李四", actor=township)
    create_login(township, person, username="lisi", password=PASSWORD)
    person.refresh_from_db()
    return person


@pytest.fixture
def appoint_informant(cast):
    """``appoint_informant(person)``: the township appoints ``person`` 信息员 of 一村, which
    queues an in-app message (when the person has a login) and an SMS (when a gateway is set).
    """

    def appoint_(person, cell=None):
        return actions.assign_role(
            cast.users["township"], person=person, cell=cell or cast.village, role=Role.INFORMANT
        )

    return appoint_
