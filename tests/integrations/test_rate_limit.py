from unittest import mock

import pytest
from django.core.cache import cache

from integrations.qbo import client
from integrations.qbo.errors import QboThrottled


@pytest.fixture(autouse=True)
def local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def test_no_rolling_minute_goes_over_the_budget_whatever_the_phase(settings):
    settings.QBO_REQUESTS_PER_MINUTE = 70
    sent = []  # timestamps of requests let through, over 3 simulated minutes, 1 try per 0.1 s
    now = 1_000_003.7
    with mock.patch.object(client.time, "time", side_effect=lambda: now):
        for _ in range(1800):
            try:
                client._take_rate_limit_slot("realm-1")
                sent.append(now)
            except QboThrottled as error:
                assert 0 < error.retry_after <= client.RATE_WINDOW_SECONDS
            now += 0.1
    worst = max(sum(1 for t in sent if start <= t < start + 60) for start in sent)
    assert worst <= 70
    assert len(sent) >= 3 * 60  # still makes steady progress: 10 a window


def test_the_budget_is_per_company(settings):
    settings.QBO_REQUESTS_PER_MINUTE = 7
    with mock.patch.object(client.time, "time", return_value=2_000_000.0):
        client._take_rate_limit_slot("a")
        with pytest.raises(QboThrottled):
            client._take_rate_limit_slot("a")
        client._take_rate_limit_slot("b")
