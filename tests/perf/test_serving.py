"""The web entry points load every view and freeze what is alive before the first request
(rideau.serving): a full garbage collection then walks only what requests allocate."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("entry", ["rideau.wsgi", "rideau.asgi"])
def test_the_entry_point_freezes_the_loaded_process(entry, tmp_path):
    script = (
        f"import gc, sys; import {entry}; "
        "print(gc.get_freeze_count(), 'rideau.web.shop.views' in sys.modules)"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serving.db'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000  # Django, the models, the URL patterns and the views
    assert views_loaded == "True"
