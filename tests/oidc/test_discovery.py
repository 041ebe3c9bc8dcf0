"""The discovery document advertises exactly what works (OIDC Discovery §3, RFC 8414)."""


def test_discovery_is_truthful(client):
    doc = client.get("/.well-known/openid-configuration").json
    issuer = "https://idp.test"
    assert doc["issuer"] == issuer
    for name, path in [("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"),
                       ("userinfo_endpoint", "/userinfo"), ("jwks_uri", "/jwks.json"),
                       ("end_session_endpoint", "/logout"), ("revocation_endpoint", "/revoke"),
                       ("introspection_endpoint", "/introspect"),
                       ("pushed_authorization_request_endpoint", "/par")]:
        assert doc[name] == issuer + path
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "password" not in doc["grant_types_supported"]
    assert "implicit" not in doc["grant_types_supported"]
    assert doc["acr_values_supported"][:2] == ["1", "2"]
    assert doc["claims_parameter_supported"] is True
    algs = doc["id_token_signing_alg_values_supported"]
    assert "RS256" in algs and "none" not in algs and not any(a.startswith("HS") for a in algs)
    assert not any(a.startswith("HS") or a == "none"
                   for a in doc["token_endpoint_auth_signing_alg_values_supported"])


def test_rfc8414_metadata_is_the_same_document(client):
    assert (client.get("/.well-known/oauth-authorization-server").json
            == client.get("/.well-known/openid-configuration").json)


def test_every_advertised_endpoint_answers(client):
    doc = client.get("/.well-known/openid-configuration").json
    assert client.get("/jwks.json").status_code == 200
    assert client.get("/authorize").status_code == 400  # a page, not a 404
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint",
                 "pushed_authorization_request_endpoint"):
        assert client.post(doc[name][len("https://idp.test"):]).status_code in (400, 401)
    assert client.get("/userinfo").status_code == 401


def test_issuer_never_comes_from_the_host_header(client):
    response = client.get("/.well-known/openid-configuration",
                          headers={"Host": "evil.test", "X-Forwarded-Host": "evil.test"})
    assert response.status_code == 400 or response.json["issuer"] == "https://idp.test"


def test_public_documents_allow_cross_origin_reads(client):
    for path in ("/.well-known/openid-configuration", "/jwks.json"):
        assert client.get(path).headers["Access-Control-Allow-Origin"] == "*"


def test_jwks_publishes_public_keys_only(client):
    keys = client.get("/jwks.json").json["keys"]
    assert {k["alg"] for k in keys} == {"RS256", "ES256", "PS256"}
    for key in keys:
        assert key["use"] == "sig" and key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(key)


def test_the_fast_path_sends_what_the_flask_views_send(client):
    """Discovery and JWKS are answered before Flask (idp/oidc/documents.py); a query string
    sends the same request through the Flask view: both must agree byte for byte."""
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server",
                 "/jwks.json"):
        fast, flask_view = client.get(path), client.get(path + "?via=flask")
        assert "X-Request-Id" in flask_view.headers and "X-Request-Id" not in fast.headers
        assert fast.status_code == flask_view.status_code == 200
        assert fast.data == flask_view.data
        expected = {k: v for k, v in flask_view.headers.items() if k != "X-Request-Id"}
        assert dict(fast.headers) == expected
        assert fast.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_fast_path_refuses_what_flask_refuses(client):
    assert client.get("/jwks.json", headers={"Host": "evil.test"}).status_code == 400
    assert client.post("/jwks.json").status_code == 405
    assert client.head("/.well-known/openid-configuration").status_code == 200


def test_the_fast_path_is_counted_in_the_metrics(client):
    def count() -> float:
        text = client.get("/metrics").text
        line = next((ln for ln in text.splitlines() if ln.startswith("idp_http_requests_total{")
                     and 'endpoint="oidc.jwks"' in ln and 'status="200"' in ln), None)
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = count()
    client.get("/jwks.json")
    client.get("/jwks.json")
    assert count() == before + 2
