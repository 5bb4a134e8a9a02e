"""The API's OpenAPI schema as JSON, and a page that reads it to people.

The page is our own template over the generated schema (no third-party
viewer: the content security policy allows no inline or outside script).
Both are public: they describe the API, not anyone's data.
"""

import json

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

METHODS = ("get", "post", "patch", "put", "delete")
EXAMPLE_TOKEN = "adv_…"

schema = SpectacularAPIView.as_view(
    renderer_classes=[OpenApiJsonRenderer],
    authentication_classes=[],
    permission_classes=[AllowAny],
    throttle_classes=[],
)


def _component(spec, components):
    """The schema a `$ref` points to (or the spec itself)."""
    if spec and "$ref" in spec:
        return components.get(spec["$ref"].rsplit("/", 1)[-1], {})
    return spec or {}


def _type(spec, components):
    """A schema in a few words: "integer", "list of Tactic", "one of …"."""
    if not spec:
        return ""
    if "$ref" in spec:
        target = _component(spec, components)
        if "enum" in target:
            return _type(target, components)
        return spec["$ref"].rsplit("/", 1)[-1]
    if "allOf" in spec:
        return " & ".join(_type(part, components) for part in spec["allOf"])
    if "oneOf" in spec:
        kinds = [_type(part, components) for part in spec["oneOf"]]
        return " or ".join(kind for kind in kinds if kind)
    kind = spec.get("type", "")
    if kind == "array":
        return f"list of {_type(spec.get('items', {}), components)}"
    if "enum" in spec:
        return "one of " + ", ".join(
            str(v) for v in spec["enum"] if v not in ("", None)
        )
    return spec.get("format") or kind


def _sample(spec, components):
    """A value of the schema for the example."""
    spec = _component(spec, components)
    if "allOf" in spec:
        return _sample(spec["allOf"][0], components)
    if spec.get("enum"):
        return spec["enum"][0]
    return {
        "integer": 1,
        "boolean": True,
        "array": [],
        "date": "2026-01-31",
    }.get(spec.get("format") or spec.get("type"), "…")


def runs(text):
    """Text with `code` in backticks, as (is_code, part) pairs for the page."""
    parts = text.split("`")
    return [(i % 2 == 1, part) for i, part in enumerate(parts) if part]


def _fields(ref, components):
    """The properties of a component, as rows for the page."""
    if not ref or "$ref" not in ref:
        return []
    component = components.get(ref["$ref"].rsplit("/", 1)[-1], {})
    required = set(component.get("required", []))
    return [
        {
            "name": name,
            "type": _type(prop, components),
            "sample": _sample(prop, components),
            "required": name in required,
            "description": runs(prop.get("description", "")),
        }
        for name, prop in component.get("properties", {}).items()
    ]


def _example(method, path, body_fields):
    url = "$SITE" + path
    lines = [f"curl -X {method.upper()} \\", '  -H "Authorization: Bearer $TOKEN" \\']
    if body_fields:
        body = {f["name"]: f["sample"] for f in body_fields if f["required"]}
        lines.append('  -H "Content-Type: application/json" \\')
        lines.append(f"  -d '{json.dumps(body, ensure_ascii=False)}' \\")
    lines.append(f'  "{url}"')
    return "\n".join(lines)


def operations(spec):
    """Each endpoint and method of the schema, in its order, for the page."""
    components = spec.get("components", {}).get("schemas", {})
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            body_ref = body.get("application/json", {}).get("schema")
            body_fields = _fields(body_ref, components)
            answer = operation.get("responses", {})
            ok = next((code for code in answer if code.startswith("2")), "200")
            ok_schema = answer.get(ok, {}).get("content", {})
            ok_schema = ok_schema.get("application/json", {}).get("schema", {})
            found.append(
                {
                    "anchor": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": runs(operation.get("description", "")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "type": _type(p.get("schema", {}), components),
                            "required": p.get("required", False),
                            "description": runs(p.get("description", "")),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": body_fields,
                    "ok": ok,
                    "answer": _type(ok_schema, components),
                    "errors": sorted(code for code in answer if code[0] in "45"),
                    "example": _example(method, path, body_fields),
                }
            )
    return found


@require_safe
def docs_page(request):
    spec = SchemaGenerator().get_schema(request=None, public=True)
    components = spec.get("components", {}).get("schemas", {})
    shapes = [
        {"name": name, "fields": _fields({"$ref": f"#/{name}"}, components)}
        for name in sorted(components)
        if not name.endswith("Request") and components[name].get("properties")
    ]
    return render(
        request,
        "api/docs.html",
        {
            "operations": operations(spec),
            "shapes": shapes,
            "schema_url": reverse("api_schema"),
            "title": spec.get("info", {}).get("title", "API"),
            "example_token": EXAMPLE_TOKEN,
        },
    )


def not_found(request, rest=""):
    """Any other address under /api/v1/: a JSON 404 that points at the docs,
    or, for a GET without its final slash, the address with it (as
    APPEND_SLASH would, had this route not matched first)."""
    if request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return JsonResponse(
        {
            "detail": "No such endpoint: see "
            f"{request.build_absolute_uri(reverse('api_docs'))} for the ones there are."
        },
        status=404,
    )
