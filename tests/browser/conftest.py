import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to be
# called from a thread with a running loop unless told it is fine (it is: no async code here).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(request):
    """Every browser test also proves the pages it walks run under the Content-Security-
    Policy: chromium reports each blocked script, style or handler on the console."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield
    assert violations == []
