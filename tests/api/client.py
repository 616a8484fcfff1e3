"""A JSON client for the API and a check of the one error shape."""

from django.test import Client


class Api:
    """A test client that speaks JSON to /api/v1 with a bearer token."""

    def __init__(self, raw_token: str, **client_options) -> None:
        self.token = raw_token
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}", **client_options)

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(f"/api/v1{path}", params or {}, headers=headers)

    def post(self, path: str, body: dict | None = None, **headers):
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=headers)

    def patch(self, path: str, body: dict, **headers):
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json", headers=headers)

    def put(self, path: str, body: dict, **headers):
        return self.client.put(f"/api/v1{path}", body, content_type="application/json", headers=headers)

    def send(self, method: str, path: str, raw_body: str | bytes, **headers):
        """A request with a body exactly as given (malformed JSON, odd spacing)."""
        return self.client.generic(method, f"/api/v1{path}", raw_body, content_type="application/json",
                                   headers=headers)


def error_of(response) -> dict:
    """The error object of a response, after checking it has the one shape."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
