"""The scanner page in a real chromium: manual entry (as a keyboard-wedge scanner types it:
the code, then Enter) shows valid, then already used; the live count follows; the camera
path reads a ticket's QR code from a fake camera with the vendored decoder."""

import pytest
import segno
from playwright.sync_api import Page, expect

from rideau.checkin.models import Checkin
from rideau.core.access import Actor
from tests.checkin.conftest import make_world
from tests.factories import OrganizerFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREEN = "rgb(27, 127, 59)"
ORANGE = "rgb(224, 108, 0)"


@pytest.fixture
def world():
    organizer = OrganizerFactory(slug="theatre")
    return make_world(organizer, Actor(user=member(organizer)))


def test_manual_entry_shows_valid_then_already_used(live_server, page: Page, world):
    ticket = world.ticket()
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cyrano")
    expect(page.locator("#checkin-count")).to_contain_text("0 attendees in")
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")
    expect(field).to_be_focused()

    field.press_sequentially(ticket.secret)
    field.press("Enter")

    result = page.locator("#scan-result")
    expect(result).to_have_attribute("data-result", "valid")
    expect(result).to_contain_text("Valid ticket")
    expect(result).to_contain_text("Ana Lopez")
    # htmx settles the new class after a short delay: poll, never read once
    expect(result).to_have_css("background-color", GREEN)
    expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    field.fill(ticket.secret)
    field.press("Enter")

    expect(result).to_have_attribute("data-result", "already_used")
    expect(result).to_contain_text("Already used")
    expect(result).to_have_css("background-color", ORANGE)
    expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")
    assert list(Checkin.objects.order_by("id").values_list("result", flat=True)) == [
        "valid",
        "already_used",
    ]
    # every scan carried its own nonce
    assert Checkin.objects.filter(nonce__isnull=True).count() == 0


def test_the_vendored_decoder_reads_a_ticket_qr_code(live_server, page: Page, world):
    ticket = world.ticket()
    image = segno.make_qr(ticket.secret, error="m").png_data_uri(scale=6, border=4)
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")

    decoded = page.evaluate(
        """async (src) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.width; canvas.height = img.height;
            const context = canvas.getContext("2d");
            context.drawImage(img, 0, 0);
            const data = context.getImageData(0, 0, img.width, img.height);
            return jsQR(data.data, data.width, data.height).data;
        }""",
        image,
    )

    assert decoded == ticket.secret


def _y4m_with_qr(path, text: str, width: int = 640, height: int = 480) -> None:
    """A short 4:2:0 video (as chromium's fake camera reads it) showing one QR code."""
    rows = [list(row) for row in segno.make_qr(text, error="m").matrix_iter(scale=1, border=4)]
    scale = min(width, height) * 9 // 10 // len(rows)
    left, top = (width - len(rows) * scale) // 2, (height - len(rows) * scale) // 2
    luma = bytearray([235]) * (width * height)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        video.write(frame * 10)


def test_the_camera_reads_a_ticket(
    live_server, browser_type, browser_type_launch_args, world, tmp_path
):
    ticket = world.ticket()
    video = tmp_path / "qr.y4m"
    _y4m_with_qr(video, ticket.secret)
    browser = browser_type.launch(
        **{
            **browser_type_launch_args,
            "args": [
                *browser_type_launch_args.get("args", []),
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        }
    )
    try:
        context = browser.new_context(permissions=["camera"])
        page = context.new_page()
        page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")

        page.get_by_role("button", name="Scan with the camera").click()

        result = page.locator("#scan-result")
        expect(result).to_have_attribute("data-result", "valid", timeout=15_000)
        expect(result).to_contain_text("Valid ticket")
        expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")
        # the same code still in front of the lens is not sent again at once
        page.wait_for_timeout(1000)
        assert Checkin.objects.count() == 1
    finally:
        browser.close()


def test_at_a_session_door_the_scan_marks_the_registration_present(live_server, page: Page, world):
    from rideau.registration import services
    from rideau.registration.models import Registration
    from tests.registration.conftest import make_session

    talk = make_session(world.event, world.actor, capacity=10, title="Masterclass")
    ticket = world.ticket(email="ana@example.net")
    stranger = world.ticket(email="bob@example.net")
    services.staff_register(talk, actor=world.actor, email="ana@example.net", first_name="Ana")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")
    page.get_by_label("Scanning at").select_option(str(talk.pk))
    page.get_by_role("button", name="Change").click()
    expect(page.locator(".door")).to_contain_text("Session door: Masterclass")
    expect(page.locator("#checkin-count")).to_contain_text("0 present of 1 registered")
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")

    field.fill(ticket.secret)
    field.press("Enter")

    result = page.locator("#scan-result")
    expect(result).to_have_attribute("data-result", "present")
    expect(result).to_have_css("background-color", GREEN)
    expect(page.locator("#checkin-count")).to_contain_text("1 present of 1 registered")
    assert Registration.objects.get(session=talk).attended is True

    field.fill(stranger.secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "not_registered")
    expect(result).to_contain_text("Not registered to this session")
