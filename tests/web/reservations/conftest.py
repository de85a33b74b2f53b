from tests.web.shop.conftest import _language_reset, client, shop  # noqa: F401 (shared fixtures)
