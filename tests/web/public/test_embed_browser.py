"""The ticket widget in a real chromium, framed by a page served from another origin."""

import functools
import http.server
import os
import threading

import pytest
from playwright.sync_api import Page, expect

from rideau.events.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# as in tests/browser: Playwright's sync API runs an event loop in the test thread
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def other_origin(tmp_path):
    """A tiny web server on another port (another origin) serving the organiser's page."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_widget_shows_in_a_page_of_another_origin(
    live_server, page: Page, organizer, shop, other_origin
):
    Event.objects.filter(pk=shop["event"].pk).update(visibility="public")
    root, origin = other_origin
    base = live_server.url.replace("localhost", "127.0.0.1")
    assert origin != base
    (root / "index.html").write_text(
        "<!doctype html><title>Theatre site</title><h1>Our season</h1>"
        f'<iframe id="widget" src="{base}/theatre/hamlet/widget/" title="Tickets"></iframe>'
        f'<iframe id="shop" src="{base}/theatre/hamlet/tickets/" title="Shop"></iframe>',
        encoding="utf-8",
    )
    page.goto(f"{origin}/index.html")
    expect(page.get_by_role("heading", name="Our season")).to_be_visible()

    widget = page.frame_locator("#widget")
    expect(widget.get_by_role("heading", level=1)).to_have_text("Hamlet")
    expect(widget.get_by_role("row", name="Seat – Full")).to_contain_text("25.00 EUR")
    link = widget.get_by_role("button", name="Choose your tickets")
    expect(link).to_have_attribute("href", f"{base}/theatre/hamlet/tickets/")
    expect(link).to_have_attribute("target", "_blank")

    # control: the ordinary shop page refuses to be framed (X-Frame-Options: DENY)
    # the refused frame's error page may land a moment after the widget: poll, never read once
    for _ in range(100):
        frames = [frame.url for frame in page.frames]
        if frames[-1:] == ["chrome-error://chromewebdata/"]:
            break
        page.wait_for_timeout(50)
    assert frames == [
        f"{origin}/index.html",
        f"{base}/theatre/hamlet/widget/",
        "chrome-error://chromewebdata/",  # the shop frame, refused
    ]
    with page.context.expect_page() as new_tab:
        link.click()
    expect(new_tab.value.get_by_role("heading", level=1)).to_contain_text("Tickets")
