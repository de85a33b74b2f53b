"""Path schemas: a view's path parameters, taken as one schema, stay separate parameters
for clients (named, bounded, checked, and located in errors as before)."""

from rideau.api.main import api as ninja_api
from rideau.api.paths import path_schema_names

SESSION_REGISTRATIONS = "/api/v1/organizers/{organizer}/events/{event}/sessions/{session_id}"


def test_path_schemas_are_parameters_and_not_document_schemas():
    schema = ninja_api.get_openapi_schema()
    assert "SessionRegistrationPath" in path_schema_names()
    assert not path_schema_names() & set(schema["components"]["schemas"])
    operation = schema["paths"][SESSION_REGISTRATIONS + "/registrations/{registration_id}"]
    parameters = [(p["in"], p["name"]) for p in operation["delete"]["parameters"]]
    assert parameters == [
        ("path", "organizer"),
        ("path", "event"),
        ("path", "session_id"),
        ("path", "registration_id"),
    ]


def test_an_invalid_path_parameter_is_a_field_error_of_the_path(api, organizer):
    response = api.get(f"/organizers/{organizer.slug}/events/Not_A_Slug/sessions/0/waitlist")
    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert locations == [["path", "event"], ["path", "session_id"]]


def test_a_valid_path_that_names_nothing_is_not_found(api, organizer):
    response = api.get(f"/organizers/{organizer.slug}/events/no-such-event/sessions/1/waitlist")
    assert response.status_code == 404
