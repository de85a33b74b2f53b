from tests.accounts.conftest import _language_reset, buyers  # noqa: F401 (shared fixtures)
