"""The schemas the API reads request bodies with, found by walking its OpenAPI document:
the tests that hold a rule over every request field (no boolean for a whole number, no
unknown field) walk them all, so a new schema cannot miss the rule."""

from typing import Any

from ninja import Schema

from rideau.api.main import api as ninja_api


def request_schema_names() -> set[str]:
    """The names of the schemas a request body of the API is made of (nested ones too)."""
    schema = ninja_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.split("/")[-1]
                if name not in names:
                    names.add(name)
                    walk(components[name])
            for value in node.values():
                walk(value)

    for operations in schema["paths"].values():
        for operation in operations.values():
            walk(operation.get("requestBody", {}))
            walk(operation.get("parameters", []))
    return names


def schema_classes(cls: type = Schema) -> dict[str, type[Schema]]:
    """The API's schema classes by name (those of `rideau.api`, subclasses of `cls`)."""
    found = {}
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("rideau.api"):
            found[sub.__name__] = sub
        found.update(schema_classes(sub))
    return found
