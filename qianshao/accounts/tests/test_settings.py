"""Settings read from the environment fail loudly, naming the variable.

Loading the settings module runs in a fresh Python process with a temporary data directory,
so nothing of this test run's configuration leaks in or out.
"""

import os
import stat
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from qianshao.lib.env import env_bool, env_int, env_list, env_path, env_str

PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def load_settings(data_dir, code=PRINT_KEY, **env):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("QIANSHAO_") and k != "DATABASE_URL"
    }
    clean |= {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "QIANSHAO_DATA_DIR": str(data_dir),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean,
        cwd=settings.BASE_DIR.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


class TestEnvReaders:
    @pytest.mark.parametrize("raw", ["1", "true", "Yes", " on "])
    def test_env_bool_reads_true(self, monkeypatch, raw):
        monkeypatch.setenv("QS_TEST_FLAG", raw)
        assert env_bool("QS_TEST_FLAG", False) is True

    @pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
    def test_env_bool_reads_false(self, monkeypatch, raw):
        monkeypatch.setenv("QS_TEST_FLAG", raw)
        assert env_bool("QS_TEST_FLAG", True) is False

    def test_env_bool_falls_back_to_its_default(self, monkeypatch):
        monkeypatch.delenv("QS_TEST_FLAG", raising=False)
        assert env_bool("QS_TEST_FLAG", True) is True

    @pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
    def test_env_bool_refuses_anything_else_naming_the_variable(self, monkeypatch, raw):
        monkeypatch.setenv("QS_TEST_FLAG", raw)
        with pytest.raises(ImproperlyConfigured, match=f"QS_TEST_FLAG .*{raw!r}"):
            env_bool("QS_TEST_FLAG", True)

    def test_env_int_reads_a_number_or_falls_back(self, monkeypatch):
        monkeypatch.setenv("QS_TEST_INT", " 42 ")
        assert env_int("QS_TEST_INT", 7) == 42
        monkeypatch.setenv("QS_TEST_INT", "")
        assert env_int("QS_TEST_INT", 7) == 7
        monkeypatch.delenv("QS_TEST_INT")
        assert env_int("QS_TEST_INT", 7) == 7

    @pytest.mark.parametrize("raw", ["ten", "1.5", "5 minutes"])
    def test_env_int_refuses_what_is_not_an_integer(self, monkeypatch, raw):
        monkeypatch.setenv("QS_TEST_INT", raw)
        with pytest.raises(ImproperlyConfigured, match="QS_TEST_INT must be an integer"):
            env_int("QS_TEST_INT", 7)

    def test_env_int_refuses_a_number_below_its_minimum(self, monkeypatch):
        monkeypatch.setenv("QS_TEST_INT", "0")
        with pytest.raises(ImproperlyConfigured, match="QS_TEST_INT must be at least 1, got 0"):
            env_int("QS_TEST_INT", 7, minimum=1)

    def test_env_list_splits_on_commas_and_trims(self, monkeypatch):
        monkeypatch.setenv("QS_TEST_LIST", " a.example.cn , b.example.cn,, ")
        assert env_list("QS_TEST_LIST", ["x"]) == ["a.example.cn", "b.example.cn"]
        monkeypatch.setenv("QS_TEST_LIST", "")
        assert env_list("QS_TEST_LIST", ["x"]) == []
        monkeypatch.delenv("QS_TEST_LIST")
        assert env_list("QS_TEST_LIST", ["x"]) == ["x"]

    def test_env_str_and_env_path(self, monkeypatch, tmp_path):
        monkeypatch.setenv("QS_TEST_STR", "value")
        assert env_str("QS_TEST_STR") == "value"
        assert env_str("QS_TEST_MISSING", "fallback") == "fallback"
        monkeypatch.setenv("QS_TEST_PATH", str(tmp_path / "a" / ".." / "b"))
        assert env_path("QS_TEST_PATH", ".") == tmp_path / "b"


class TestSettingsModule:
    def test_a_secret_key_is_generated_into_the_data_dir_and_reused(self, tmp_path):
        first = load_settings(tmp_path)
        assert first.returncode == 0, first.stderr
        key = first.stdout.strip()
        assert len(key) >= 50

        stored = tmp_path / "secret_key"
        assert stored.read_text().strip() == key
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600

        second = load_settings(tmp_path)
        assert second.stdout.strip() == key
        other = load_settings(tmp_path / "elsewhere")
        assert other.stdout.strip() not in ("", key)

    def test_a_secret_key_from_the_environment_wins_and_is_not_written(self, tmp_path):
        result = load_settings(tmp_path, QIANSHAO_SECRET_KEY="from-the-environment")
        assert result.stdout.strip() == "from-the-environment"
        assert not (tmp_path / "secret_key").exists()

    def test_debug_is_off_unless_asked_for_and_the_key_is_kept_either_way(self, tmp_path):
        code = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"
        plain = load_settings(tmp_path, code)
        assert plain.returncode == 0, plain.stderr
        debug, key = plain.stdout.split()
        assert debug == "False"
        assert (tmp_path / "secret_key").read_text().strip() == key
        asked = load_settings(tmp_path, code, QIANSHAO_DEBUG="1")
        assert asked.stdout.split() == ["True", key]

    def test_cookies_are_secure_when_the_site_is_https_or_when_asked(self, tmp_path):
        code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE)"
        assert load_settings(tmp_path, code).stdout.strip() == "False"
        https = load_settings(tmp_path, code, QIANSHAO_BASE_URL="https://yj.example.cn")
        assert https.stdout.strip() == "True"
        asked = load_settings(tmp_path, code, QIANSHAO_SECURE_COOKIES="1")
        assert asked.stdout.strip() == "True"

    @pytest.mark.parametrize(
        ("variable", "value", "message"),
        [
            ("QIANSHAO_DEBUG", "perhaps", "QIANSHAO_DEBUG must be a boolean"),
            ("QIANSHAO_LOGIN_FAILURES", "five", "QIANSHAO_LOGIN_FAILURES must be an integer"),
            ("QIANSHAO_LOGIN_FAILURES", "0", "QIANSHAO_LOGIN_FAILURES must be at least 1"),
            (
                "QIANSHAO_NOTIFY_MAX_ATTEMPTS",
                "-1",
                "QIANSHAO_NOTIFY_MAX_ATTEMPTS must be at least 1",
            ),
            ("QIANSHAO_SECURE_COOKIES", "sometimes", "QIANSHAO_SECURE_COOKIES must be a boolean"),
        ],
    )
    def test_a_bad_value_stops_the_settings_naming_the_variable(
        self, tmp_path, variable, value, message
    ):
        result = load_settings(tmp_path, **{variable: value})
        assert result.returncode != 0
        assert message in result.stderr

    def test_an_sms_gateway_needs_the_sites_address_for_its_links(self, tmp_path):
        result = load_settings(tmp_path, QIANSHAO_SMS_URL="http://127.0.0.1:9/sms")
        assert result.returncode != 0
        assert "QIANSHAO_BASE_URL must be set when QIANSHAO_SMS_URL is" in result.stderr

    def test_the_cap_sender_comes_from_the_sites_address_or_its_own_setting(self, tmp_path):
        code = "from django.conf import settings as s; print(s.CAP_SENDER)"
        found = load_settings(tmp_path, code, QIANSHAO_BASE_URL="https://yj.example.cn:8443/")
        assert found.stdout.strip() == "qianshao@yj.example.cn"
        given = load_settings(tmp_path, code, QIANSHAO_CAP_SENDER="12379@lingyun.gov.cn")
        assert given.stdout.strip() == "12379@lingyun.gov.cn"
        bad = load_settings(tmp_path, code, QIANSHAO_CAP_SENDER="应急 办,县")
        assert bad.returncode != 0 and "QIANSHAO_CAP_SENDER" in bad.stderr

    def test_the_environment_reaches_the_settings(self, tmp_path):
        code = (
            "from django.conf import settings as s;"
            "print(s.DEBUG, s.AXES_FAILURE_LIMIT, s.ALLOWED_HOSTS, s.SMS_GATEWAY_URL,"
            " s.HUEY['huey_class'], s.DATA_DIR)"
        )
        result = load_settings(
            tmp_path,
            code,
            QIANSHAO_DEBUG="off",
            QIANSHAO_SECRET_KEY="s" * 60,
            QIANSHAO_LOGIN_FAILURES="3",
            QIANSHAO_ALLOWED_HOSTS="qs.example.cn, 10.0.0.5",
            QIANSHAO_SMS_URL="http://127.0.0.1:9/sms",
            QIANSHAO_BASE_URL="https://yingji.example.cn",
            QIANSHAO_QUEUE_URL="redis://127.0.0.1:6379/9",
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            "False 3 ['qs.example.cn', '10.0.0.5'] http://127.0.0.1:9/sms "
            f"qianshao.notify.queue.QueueRedisHuey {tmp_path}"
        )
