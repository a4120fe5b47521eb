"""The GraphQL-over-HTTP transport refuses bad input with exact answers.

Cases C13 (cross-site writes by form, multipart or GET) and C14 (schema names
and raw errors in production) are pinned here; the spec audit itself runs in
test_transport_audit.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import resolvers.access
from db.engine import make_engine
from db.models import AuditEvent
from hub import http as transport
from hub.app import create_app
from hub.auth import mint_token
from hub.limits import RateLimiter
from hub.settings import Environment, Settings
from rules.access import Principal, Role
from schema.build import INTERNAL_MESSAGE, hide_unknown_names
from tests.conftest import Hub, is_postgres

REGISTRAR = Principal("reg-1", Role.REGISTRAR, school="2103110001")
OFFICER = Principal("officer-1", Role.DISTRICT_OFFICER, district="210311")
GQL = "application/graphql-response+json"
ME = "{ me { subject } }"
ID_NUMBER = "110105201003077716"

REGISTER = """
mutation Register($input: RegisterApprovalInput!) {
  registerApproval(input: $input) { approval { documentNumber }
    userErrors { code } }
}
"""


def _problem(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _headers(principal: Principal | None, hub: Hub, **extra: str) -> dict[str, str]:
    headers = {"accept": GQL, **extra}
    if principal is not None:
        headers["authorization"] = f"Bearer {hub.token(principal)}"
    return headers


async def _post(
    hub: Hub, body: Any, principal: Principal | None = REGISTRAR, **extra: str
) -> httpx.Response:
    return await hub.client.post(
        "/graphql", json=body, headers=_headers(principal, hub, **extra)
    )


async def _assert_healthy(hub: Hub) -> None:
    response = await hub.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def _answer(response: httpx.Response) -> tuple[int, str, Any]:
    return response.status_code, response.headers["content-type"], response.json()


async def _started(settings: Settings) -> AsyncIterator[Hub]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hub.test"
        ) as client:
            yield Hub(client=client, settings=settings, app=app)


@pytest.fixture
async def prod_hub(settings: Settings) -> AsyncIterator[Hub]:
    """The hub with production settings: no introspection, no suggestions."""
    async for hub in _started(settings.model_copy(update={"env": Environment.PROD})):
        yield hub


async def _audit_outcomes(hub: Hub, outcome: str) -> int:
    engine = make_engine(hub.settings.database_url)
    try:
        async with engine.connect() as connection:
            stmt = select(func.count()).where(AuditEvent.outcome == outcome)
            return int((await connection.execute(stmt)).scalar_one())
    finally:
        await engine.dispose()


# --- malformed requests ---------------------------------------------------


async def test_malformed_json_is_bad_request(hub: Hub) -> None:
    response = await hub.client.post(
        "/graphql",
        content=b'{"query": "{ me { subject } }"',
        headers=_headers(REGISTRAR, hub, **{"content-type": "application/json"}),
    )
    assert _answer(response) == (
        400,
        GQL,
        _problem("BAD_REQUEST", "请求体不是合法的 JSON。"),
    )
    await _assert_healthy(hub)


async def test_deeply_nested_json_is_bad_request(hub: Hub) -> None:
    body = b'{"query": "{ me { subject } }", "variables": {"a": ' + b"[" * 40_000
    response = await hub.client.post(
        "/graphql",
        content=body + b"]" * 40_000 + b"}}",
        headers=_headers(REGISTRAR, hub, **{"content-type": "application/json"}),
    )
    assert _answer(response) == (
        400,
        GQL,
        _problem("BAD_REQUEST", "请求体不是合法的 JSON。"),
    )
    await _assert_healthy(hub)


async def test_wrong_variable_type_is_refused(hub: Hub) -> None:
    query = "query Q($n: String!) { student(studentNumber: $n) { name } }"
    response = await _post(hub, {"query": query, "variables": {"n": 5}})
    message = (
        "Variable '$n' has invalid value: String cannot represent a non string value: 5"
    )
    assert _answer(response) == (
        400,
        GQL,
        {
            "errors": [
                {
                    "message": message,
                    "locations": [{"line": 1, "column": 9}],
                    "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                }
            ]
        },
    )
    await _assert_healthy(hub)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"variables": {}}, "缺少 query。"),
        ({"query": ME, "variables": [1]}, "variables 必须是 JSON 对象。"),
        ({"query": ME, "operationName": 3}, "operationName 必须是字符串。"),
        ({"query": ME, "extensions": "x"}, "extensions 必须是 JSON 对象。"),
    ],
    ids=["no-query", "list-variables", "numeric-operation", "string-extensions"],
)
async def test_malformed_parameters_are_bad_request(
    hub: Hub, body: dict[str, Any], message: str
) -> None:
    response = await _post(hub, body)
    assert _answer(response) == (400, GQL, _problem("BAD_REQUEST", message))


async def test_json_batch_is_refused(hub: Hub) -> None:
    response = await _post(hub, [{"query": ME}, {"query": ME}])
    assert _answer(response) == (
        400,
        GQL,
        _problem("BAD_REQUEST", "请求体必须是 JSON 对象（不支持批量请求）。"),
    )
    await _assert_healthy(hub)


async def test_subscription_is_bad_request(hub: Hub) -> None:
    response = await _post(hub, {"query": "subscription { me { subject } }"})
    assert _answer(response) == (400, GQL, _problem("BAD_REQUEST", "不支持订阅。"))


async def test_unacceptable_accept_is_406(hub: Hub) -> None:
    response = await _post(hub, {"query": ME}, accept="text/plain")
    assert _answer(response) == (
        406,
        "application/json",
        _problem("NOT_ACCEPTABLE", "不支持的 Accept 类型。"),
    )


async def test_plain_json_accept_keeps_status_200(hub: Hub) -> None:
    response = await _post(hub, {"query": "{ nope }"}, accept="application/json")
    assert _answer(response) == (
        200,
        "application/json",
        {
            "errors": [
                {
                    "message": "Cannot query field 'nope' on type 'Query'. "
                    "Did you mean 'node'?",
                    "locations": [{"line": 1, "column": 3}],
                    "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                }
            ]
        },
    )


async def test_answers_are_never_cached(hub: Hub) -> None:
    response = await _post(hub, {"query": ME})
    cache = (
        response.headers["cache-control"],
        response.headers["x-content-type-options"],
    )
    assert (response.json(), cache) == (
        {"data": {"me": {"subject": "reg-1"}}},
        ("no-store", "nosniff"),
    )


# --- size and shape limits ------------------------------------------------


async def test_megabyte_query_is_413(hub: Hub) -> None:
    query = "{ me { subject } }" + " " * 1_000_000
    response = await _post(hub, {"query": query})
    assert _answer(response) == (
        413,
        GQL,
        _problem("PAYLOAD_TOO_LARGE", "查询文本过长。"),
    )
    await _assert_healthy(hub)


async def test_body_over_body_limit_is_413(hub: Hub) -> None:
    padding = "x" * (hub.settings.max_body_bytes + 1)
    response = await _post(hub, {"query": ME, "variables": {"pad": padding}})
    assert _answer(response) == (
        413,
        GQL,
        _problem("PAYLOAD_TOO_LARGE", "请求体过大。"),
    )
    await _assert_healthy(hub)


async def test_long_get_query_is_414(settings: Settings) -> None:
    small = settings.model_copy(update={"max_query_bytes": 2_000})
    query = "{ me { subject } }" + " " * 2_000
    async for hub in _started(small):
        response = await hub.client.get(
            "/graphql", params={"query": query}, headers=_headers(REGISTRAR, hub)
        )
    assert _answer(response) == (
        414,
        GQL,
        _problem("URI_TOO_LONG", "请求地址过长，请改用 POST。"),
    )


def _limit(code: str, message: str, limit: int) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": code, "limit": limit},
            }
        ]
    }


async def test_300_aliases_hit_alias_limit(hub: Hub) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ subject }}" for i in range(300)) + " }"
    response = await _post(hub, {"query": query})
    assert _answer(response) == (
        400,
        GQL,
        _limit("ALIAS_LIMIT", "查询别名数量 300 超过上限 30。", 30),
    )
    await _assert_healthy(hub)


async def test_20_levels_hit_depth_limit(hub: Hub) -> None:
    # Measured before validation: the nesting alone is refused.
    query = "{" + " me {" * 20 + " subject" + " }" * 20 + " }"
    response = await _post(hub, {"query": query})
    assert _answer(response) == (
        400,
        GQL,
        _limit("DEPTH_LIMIT", "查询嵌套层数 21 超过上限 12。", 12),
    )
    await _assert_healthy(hub)


async def test_huge_token_count_hits_token_limit(hub: Hub) -> None:
    query = "{ " + "me { subject } " * 2_000 + "}"
    response = await _post(hub, {"query": query})
    status, media, body = _answer(response)
    assert (status, media, body["errors"][0]["extensions"], len(body["errors"])) == (
        400,
        GQL,
        {"code": "TOKEN_LIMIT", "limit": 5_000},
        1,
    )
    assert body["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 5000 tokens. Parsing aborted."
    )
    await _assert_healthy(hub)


async def test_nested_connections_hit_cost_limit(hub: Hub) -> None:
    # first:100 inside first:100. The schema has no such nesting yet; the cost
    # is measured before validation, so the shape alone is refused.
    query = (
        "{ students(first: 100) { edges { node { "
        "classmates(first: 100) { edges { node { name studentNumber sex } } }"
        " } } } }"
    )
    response = await _post(hub, {"query": query})
    assert _answer(response) == (
        400,
        GQL,
        _limit("COST_LIMIT", "查询估算成本 50301 超过上限 20000。", 20_000),
    )
    await _assert_healthy(hub)


# --- authentication and rate -----------------------------------------------


async def test_missing_token_is_401_with_challenge(hub: Hub) -> None:
    response = await _post(hub, {"query": ME}, principal=None)
    assert (_answer(response), response.headers["www-authenticate"]) == (
        (401, GQL, _problem("UNAUTHENTICATED", "需要登录凭证。")),
        "Bearer",
    )
    await _assert_healthy(hub)


@pytest.mark.parametrize(
    "token",
    [
        "abc.def.ghi",
        mint_token(REGISTRAR, "another-key-" + "x" * 32, ttl=timedelta(hours=1)),
    ],
    ids=["garbage", "foreign-key"],
)
async def test_forged_token_is_401(hub: Hub, token: str) -> None:
    response = await hub.client.post(
        "/graphql",
        json={"query": ME},
        headers={"accept": GQL, "authorization": f"Bearer {token}"},
    )
    assert (_answer(response), response.headers["www-authenticate"]) == (
        (401, GQL, _problem("UNAUTHENTICATED", "登录凭证无效或已过期。")),
        'Bearer error="invalid_token"',
    )
    await _assert_healthy(hub)


async def test_expired_token_is_401(hub: Hub) -> None:
    token = mint_token(REGISTRAR, hub.settings.token_key, ttl=timedelta(seconds=-5))
    response = await hub.client.post(
        "/graphql",
        json={"query": ME},
        headers={"accept": GQL, "authorization": f"Bearer {token}"},
    )
    assert _answer(response) == (
        401,
        GQL,
        _problem("UNAUTHENTICATED", "登录凭证无效或已过期。"),
    )
    await _assert_healthy(hub)


async def test_rate_limit_answers_429_retry_after(hub: Hub) -> None:
    hub.state.rate_limiter = RateLimiter(2, clock=lambda: 0.0)
    statuses = [(await _post(hub, {"query": ME})).status_code for _ in range(2)]
    response = await _post(hub, {"query": ME})
    assert (statuses, _answer(response), response.headers["retry-after"]) == (
        [200, 200],
        (429, GQL, _problem("RATE_LIMITED", "请求过于频繁，请稍后再试。")),
        "30",
    )
    await _assert_healthy(hub)


async def test_failed_logins_are_rate_limited(hub: Hub) -> None:
    hub.state.rate_limiter = RateLimiter(2, clock=lambda: 0.0)
    statuses = [
        (await _post(hub, {"query": ME}, principal=None)).status_code for _ in range(3)
    ]
    welcome = await _post(hub, {"query": ME})
    assert (statuses, welcome.status_code) == ([401, 401, 429], 200)


# --- C13: no cross-site writes ----------------------------------------------


async def test_c13_form_and_multipart_posts_are_415(hub: Hub) -> None:
    headers = _headers(OFFICER, hub, origin="https://evil.example")
    operations = json.dumps({"query": REGISTER})
    form = await hub.client.post("/graphql", data={"query": REGISTER}, headers=headers)
    multipart = await hub.client.post(
        "/graphql",
        files={"operations": (None, operations), "map": (None, "{}")},
        headers=headers,
    )
    refused = (
        415,
        GQL,
        _problem("UNSUPPORTED_MEDIA", "请求体必须是 application/json。"),
    )
    assert (_answer(form), _answer(multipart)) == (refused, refused)
    await _assert_healthy(hub)


async def test_c13_get_mutation_is_405_with_allow(hub: Hub) -> None:
    response = await hub.client.get(
        "/graphql",
        params={"query": REGISTER},
        headers=_headers(OFFICER, hub, origin="https://evil.example"),
    )
    assert (_answer(response), response.headers["allow"]) == (
        (
            405,
            GQL,
            _problem("METHOD_NOT_ALLOWED", "GET 只能用于查询；变更请用 POST。"),
        ),
        "POST",
    )
    await _assert_healthy(hub)


async def test_c13_cookie_alone_authorizes_nothing(hub: Hub) -> None:
    token = hub.token(OFFICER)
    response = await hub.client.post(
        "/graphql",
        json={"query": ME},
        headers={
            "accept": GQL,
            "cookie": f"token={token}; session={token}; authorization=Bearer {token}",
        },
    )
    assert _answer(response) == (
        401,
        GQL,
        _problem("UNAUTHENTICATED", "需要登录凭证。"),
    )


async def _first_student_number(hub: Hub) -> str:
    data = await hub.data(
        "{ students(first: 1) { edges { node { studentNumber } } } }", OFFICER
    )
    number: str = data["students"]["edges"][0]["node"]["studentNumber"]
    return number


async def test_c13_refused_mutations_write_nothing(demo: Hub) -> None:
    variables = {
        "input": {
            "documentNumber": "千教学籍〔2026〕7号",
            "authority": "千山区教育局",
            "approver": "局长",
            "requestingParty": "区卫健局",
            "purpose": "疫苗接种查验",
            "categories": ["HEALTH"],
            "studentNumbers": [await _first_student_number(demo)],
            "validFrom": "2026-03-01",
            "validTo": "2026-06-30",
        }
    }
    operations = json.dumps({"query": REGISTER, "variables": variables})
    headers = _headers(OFFICER, demo, origin="https://evil.example")
    await demo.client.post(
        "/graphql",
        files={"operations": (None, operations), "map": (None, "{}")},
        headers=headers,
    )
    await demo.client.post("/graphql", data={"operations": operations}, headers=headers)
    await demo.client.get(
        "/graphql",
        params={"query": REGISTER, "variables": json.dumps(variables)},
        headers=headers,
    )
    refused_writes = await _audit_outcomes(demo, "OK")
    # The same mutation as JSON does write: the count above can see a write.
    accepted = await _post(demo, {"query": REGISTER, "variables": variables}, OFFICER)
    assert (refused_writes, accepted.json(), await _audit_outcomes(demo, "OK")) == (
        0,
        {
            "data": {
                "registerApproval": {
                    "approval": {"documentNumber": "千教学籍〔2026〕7号"},
                    "userErrors": [],
                }
            }
        },
        1,
    )


# --- C14: production answers name nothing the client did not send -------------


def _validation(*errors: tuple[str, int, int]) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": message,
                "locations": [{"line": line, "column": column}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
            for message, line, column in errors
        ]
    }


async def test_c14_unauthenticated_probe_gets_401(prod_hub: Hub) -> None:
    response = await _post(
        prod_hub, {"query": "{ studnt(id:1){ idNumbr } }"}, principal=None
    )
    assert _answer(response) == (
        401,
        GQL,
        _problem("UNAUTHENTICATED", "需要登录凭证。"),
    )


async def test_c14_misspelt_fields_name_nothing_unsent(prod_hub: Hub) -> None:
    first = await _post(prod_hub, {"query": "{ studnt(id:1){ idNumbr } }"})
    second = await _post(prod_hub, {"query": "{ student(id:1){ householdProo } }"})
    assert (_answer(first), _answer(second)) == (
        (
            400,
            GQL,
            _validation(("Cannot query field 'studnt' on type (hidden).", 1, 3)),
        ),
        (
            400,
            GQL,
            _validation(
                ("Unknown argument 'id' on field (hidden).", 1, 11),
                ("Cannot query field 'householdProo' on type (hidden).", 1, 18),
                (
                    "Argument (hidden) of type 'String!' is required, "
                    "but it was not provided.",
                    1,
                    3,
                ),
            ),
        ),
    )


async def test_c14_argument_suggestions_hidden_in_prod(prod_hub: Hub) -> None:
    query = '{ student(studentNumbr: "G1") { name } }'
    response = await _post(prod_hub, {"query": query})
    assert _answer(response) == (
        400,
        GQL,
        _validation(
            ("Unknown argument 'studentNumbr' on field (hidden).", 1, 11),
            (
                "Argument (hidden) of type 'String!' is required, "
                "but it was not provided.",
                1,
                3,
            ),
        ),
    )


async def test_c14_input_field_names_hidden_in_prod(prod_hub: Hub) -> None:
    variables = {"input": {"documentNumbr": "X"}}
    query = (
        "mutation M($input: RevokeApprovalInput!) "
        "{ revokeApproval(input: $input) { userErrors { code } } }"
    )
    response = await _post(prod_hub, {"query": query, "variables": variables}, OFFICER)
    status, media, body = _answer(response)
    assert (status, media, [e["message"] for e in body["errors"]]) == (
        400,
        GQL,
        [
            "Variable '$input' has invalid value: Expected value of type "
            "'RevokeApprovalInput' to include required field (hidden), "
            "found: {'documentNumbr': 'X'}.",
            "Variable '$input' has invalid value: Expected value of type "
            "'RevokeApprovalInput' not to include unknown field 'documentNumbr'. "
            "Found: {'documentNumbr': 'X'}.",
        ],
    )


def test_c14_apostrophe_cannot_unhide_names() -> None:
    message = "Field 'x' got \"O'Brien\" for type 'Secret'. Did you mean 'y'?"
    known = frozenset({"x", "O", "Brien"})
    assert hide_unknown_names(message, known) == (
        "Field 'x' got \"O'Brien\" for type (hidden)."
    )


async def test_dev_keeps_did_you_mean(hub: Hub) -> None:
    response = await _post(hub, {"query": "{ studnt(id:1){ idNumbr } }"})
    assert _answer(response) == (
        400,
        GQL,
        _validation(
            (
                "Cannot query field 'studnt' on type 'Query'. "
                "Did you mean 'student' or 'students'?",
                1,
                3,
            )
        ),
    )


async def test_c14_introspection_refused_in_prod(prod_hub: Hub) -> None:
    response = await _post(prod_hub, {"query": "{ __schema { types { name } } }"})
    prefix = "GraphQL introspection has been disabled, but the requested query"
    assert _answer(response) == (
        400,
        GQL,
        _validation(
            (f"{prefix} contained the field '__schema'.", 1, 3),
            (f"{prefix} contained the field 'types'.", 1, 14),
        ),
    )


async def test_introspection_allowed_in_dev(hub: Hub) -> None:
    response = await _post(hub, {"query": '{ __type(name: "Query") { name } }'})
    assert _answer(response) == (200, GQL, {"data": {"__type": {"name": "Query"}}})


def _db_failure(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError(
        "UPDATE students SET id_number_cipher = ? WHERE students.id = ?",
        {"id_number": ID_NUMBER},
        Exception("database is locked"),
    )


async def _async_db_failure(*args: Any, **kwargs: Any) -> Any:
    _db_failure()


def _internal(request_id: str, path: list[str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": INTERNAL_MESSAGE}
    if path is not None:
        error |= {"locations": [{"line": 3, "column": 3}], "path": path}
    error["extensions"] = {"code": "INTERNAL_ERROR", "requestId": request_id}
    return {"data": None, "errors": [error]} if path else {"errors": [error]}


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_c14_db_error_is_masked_and_logged_once(
    prod_hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(resolvers.access, "register_approval", _db_failure)
    variables = {
        "input": {
            "documentNumber": "千教学籍〔2026〕8号",
            "authority": "千山区教育局",
            "approver": "局长",
            "requestingParty": "区卫健局",
            "purpose": "x" * 10_000,
            "categories": ["HEALTH"],
            "studentNumbers": ["G" + ID_NUMBER],
            "validFrom": "2026-03-01",
            "validTo": "2026-06-30",
        }
    }
    response = await _post(
        prod_hub, {"query": REGISTER, "variables": variables}, OFFICER
    )
    body = response.json()
    request_id = body["errors"][0]["extensions"]["requestId"]
    logged = _errors_logged(caplog)
    assert (response.status_code, body) == (
        200,
        _internal(request_id, ["registerApproval"]),
    )
    assert [(r.name, r.getMessage()) for r in logged] == [
        (
            "schema.build",
            f"unexpected error request_id={request_id} path=['registerApproval']",
        )
    ]
    assert isinstance(
        logged[0].exc_info[1] if logged[0].exc_info else None, OperationalError
    )
    assert [
        w
        for w in ("UPDATE", "students", "Traceback", ID_NUMBER, "locked")
        if w in response.text
    ] == []


@pytest.mark.postgres_only
@pytest.mark.skipif(not is_postgres(), reason="SQLite does not enforce lengths")
async def test_c14_oversized_value_db_error_is_masked(
    demo: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    variables = {
        "input": {
            "documentNumber": "千教学籍〔2026〕9号",
            "authority": "千山区教育局" * 2_000,
            "approver": "局长",
            "requestingParty": "区卫健局",
            "purpose": "疫苗接种查验",
            "categories": ["HEALTH"],
            "studentNumbers": [await _first_student_number(demo)],
            "validFrom": "2026-03-01",
            "validTo": "2026-06-30",
        }
    }
    response = await _post(demo, {"query": REGISTER, "variables": variables}, OFFICER)
    body = response.json()
    request_id = body["errors"][0]["extensions"]["requestId"]
    logged = _errors_logged(caplog)
    leaked = [
        w for w in ("INSERT", "approvals", "Traceback", "varying") if w in response.text
    ]
    assert (body, leaked, [r.name for r in logged]) == (
        _internal(request_id, ["registerApproval"]),
        [],
        ["schema.build"],
    )


async def test_audit_failure_withholds_whole_answer(
    hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(transport, "load_grant", _async_db_failure)
    response = await _post(hub, {"query": ME})
    body = response.json()
    request_id = body["errors"][0]["extensions"]["requestId"]
    logged = _errors_logged(caplog)
    assert (_answer(response), [(r.name, r.getMessage()) for r in logged]) == (
        (500, GQL, _internal(request_id)),
        [("hub.http", f"request failed request_id={request_id}")],
    )
    await _assert_healthy(hub)


async def test_expected_errors_are_not_logged(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    missing = await _post(hub, {"query": '{ student(studentNumber: "G0") { name } }'})
    invalid = await _post(hub, {"query": "{ nope }"})
    statuses = (missing.status_code, invalid.status_code)
    codes = missing.json()["errors"][0]["extensions"]["code"]
    assert (statuses, codes, _errors_logged(caplog)) == ((200, 400), "NOT_FOUND", [])


# --- GraphiQL ---------------------------------------------------------------


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_graphiql_served_in_dev(hub: Hub) -> None:
    response = await hub.client.get("/graphql", headers={"accept": BROWSER})
    assert (response.status_code, response.headers["content-type"]) == (
        200,
        "text/html; charset=utf-8",
    )
    assert "graphiql" in response.text.lower()


async def test_graphiql_not_served_in_prod(prod_hub: Hub) -> None:
    browser = await prod_hub.client.get("/graphql", headers={"accept": BROWSER})
    html_only = await prod_hub.client.get("/graphql", headers={"accept": "text/html"})
    assert (_answer(browser), _answer(html_only)) == (
        (401, "application/json", _problem("UNAUTHENTICATED", "需要登录凭证。")),
        (406, "application/json", _problem("NOT_ACCEPTABLE", "不支持的 Accept 类型。")),
    )


async def test_unknown_route_answers_json_404(hub: Hub) -> None:
    response = await hub.client.get("/nowhere")
    assert (response.status_code, response.json()) == (
        404,
        {
            "errors": [
                {"message": "没有这个地址。", "extensions": {"code": "NOT_FOUND"}}
            ]
        },
    )


async def test_syntax_error_has_parse_code(hub: Hub) -> None:
    response = await _post(hub, {"query": "{ me { "})
    body = response.json()
    assert (response.status_code, body["errors"][0]["extensions"]) == (
        400,
        {"code": "GRAPHQL_PARSE_FAILED"},
    )
