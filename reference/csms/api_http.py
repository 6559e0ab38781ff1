"""The operator API's HTTP layer: RFC 9457 problems, middlewares, bodies and parameters.

Every error is `application/problem+json` (`api_models.Problem`): aiohttp's own 404/405, the
unexpected (a logged 500), and what the middlewares refuse: a foreign `Origin` (403), a body not
sent as JSON (415), missing or wrong credentials (401) and too many failed logins (429 with
Retry-After). Bodies and parameters are validated by their pydantic models; field errors come
back in `errors`, one item per problem, with a JSON Pointer into the body or the parameter name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ocppgen.reference.csms.api_models import FieldProblem, Problem
from ocppgen.runtime.security import AuthLimits, FailureLimiter, address_key, parse_basic_auth

logger = logging.getLogger("ocppgen.reference.csms.api")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PROBLEM_JSON: Final = "application/problem+json"
INVALID_REQUEST: Final = "urn:ocppgen:problem:invalid-request"
CALL_ERROR: Final = "urn:ocppgen:problem:call-error"
INVALID_RESULT: Final = "urn:ocppgen:problem:invalid-result"
_TITLES: Final = {
    INVALID_REQUEST: "The request is not valid",
    CALL_ERROR: "The station answered with a CALLERROR",
    INVALID_RESULT: "The station answered with an invalid CALLRESULT",
}
MAX_BODY_DEPTH: Final = 32  # far deeper than any OCPP payload; keeps later recursion safe
_ERRORS: Final[dict[int, type[web.HTTPException]]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    415: web.HTTPUnsupportedMediaType,
    429: web.HTTPTooManyRequests,
    502: web.HTTPBadGateway,
    504: web.HTTPGatewayTimeout,
}


# -- problems ----------------------------------------------------------------------------------


def problem_body(status: int, detail: str, kind: str = "about:blank", **extensions: Any) -> str:
    """The RFC 9457 document; about:blank's title is the status phrase (RFC 9457 4.2.1)."""
    title = _TITLES.get(kind) or HTTPStatus(status).phrase
    problem = Problem(type=kind, title=title, status=status, detail=detail, **extensions)
    return problem.model_dump_json(exclude_none=True)


def problem(status: int, detail: str, kind: str = "about:blank", **extensions: Any) -> Exception:
    """An error answer to raise from a handler or middleware."""
    body = problem_body(status, detail, kind, **extensions)
    return _ERRORS[status](text=body, content_type=PROBLEM_JSON)


def _problem_response(status: int, detail: str) -> web.Response:
    return web.Response(status=status, text=problem_body(status, detail), content_type=PROBLEM_JSON)


def invalid(detail: str, errors: list[FieldProblem]) -> Exception:
    return problem(400, detail, INVALID_REQUEST, errors=errors)


# -- middleware --------------------------------------------------------------------------------


class LoginLimiter:
    """Failed operator logins per user name and per source address (`AuthLimits`, the same
    token buckets the OCPP handshake uses): an empty bucket is 429 until it refills."""

    def __init__(self, limits: AuthLimits, clock: Callable[[], float]) -> None:
        tracked = limits.max_tracked
        self.users = FailureLimiter(
            limits.identity_burst, limits.identity_refill, max_tracked=tracked, clock=clock
        )
        self.addresses = FailureLimiter(
            limits.address_burst, limits.address_refill, max_tracked=tracked, clock=clock
        )

    def retry_after(self, user: str | None, address: str) -> float:
        waits = [self.addresses.retry_after(address)]
        if user is not None:
            waits.append(self.users.retry_after(user))
        return max(waits)

    def failed(self, user: str | None, address: str) -> None:
        counted = [("address", address, self.addresses)]
        if user is not None:
            counted.append(("user", user, self.users))
        for kind, key, limiter in counted:
            if limiter.failed(key):
                logger.warning(
                    "operator API: %s %r locked after %d failed logins (user %r, address %s); "
                    "one more allowed every %g s",
                    kind,
                    key,
                    limiter.burst,
                    user,
                    address,
                    limiter.refill,
                )

    def succeeded(self, user: str) -> None:
        self.users.succeeded(user)  # not the address: like the handshake, see AuthLimits


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def auth_middleware(user: str, password: str, limiter: LoginLimiter) -> Any:
    expected = (_digest(user), _digest(password))

    def matches(given: tuple[str, str]) -> bool:
        # fixed-size digests, both always compared: the time taken says nothing about either
        user_ok = hmac.compare_digest(_digest(given[0]), expected[0])
        password_ok = hmac.compare_digest(_digest(given[1]), expected[1])
        return user_ok & password_ok

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        header = request.headers.get("Authorization")
        given = parse_basic_auth(header) if header is not None else None
        name = given[0][:64] if given is not None else None  # bounded: it becomes a key
        address = address_key(request.remote)
        wait = limiter.retry_after(name, address)
        if wait > 0:  # before checking: a right password must not tell a locked-out guesser
            seconds = str(math.ceil(wait))
            error = problem(429, f"too many failed logins; retry in {seconds} s")
            assert isinstance(error, web.HTTPException)
            error.headers["Retry-After"] = seconds
            raise error
        if given is None or not matches(given):
            if header is not None:  # no credentials at all is a first try, not a guess
                limiter.failed(name, address)
            error = problem(401, "operator credentials required (HTTP Basic)")
            assert isinstance(error, web.HTTPException)
            error.headers["WWW-Authenticate"] = 'Basic realm="ocppgen CSMS operator API"'
            raise error
        limiter.succeeded(given[0][:64])
        return await handler(request)

    return middleware


def web_origin(text: str) -> str:
    """`scheme://host[:port]`, lower case, as browsers send it in `Origin`."""
    origin = text.strip().rstrip("/").lower()
    scheme, separator, host = origin.partition("://")
    if scheme not in ("http", "https") or not separator or not host or "/" in host:
        raise ValueError(f"not a web origin (scheme://host[:port]): {text!r}")
    return origin


def origin_middleware(allowed: frozenset[str]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # A browser names the page's origin on cross-site requests; a script without one
        # (curl, OperatorClient) is no browser carrying the operator's cached credentials.
        origin = request.headers.get("Origin")
        if origin is not None and request.path.startswith("/api/"):
            own = f"{request.scheme}://{request.host}".lower()
            if origin.lower() != own and origin.lower() not in allowed:
                raise problem(403, f"requests from origin {origin!r} are not allowed")
        return await handler(request)

    return middleware


@web.middleware
async def json_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only JSON bodies: text/plain and form posts are what a foreign page can send unasked."""
    if request.method in ("POST", "PUT", "PATCH") and request.path.startswith("/api/"):
        charset = (request.charset or "utf-8").lower()
        if request.content_type != "application/json" or charset != "utf-8":
            raise problem(
                415,
                "the request body must be sent as Content-Type: application/json, "
                f"not {request.headers.get('Content-Type', '(none)')!r}",
            )
    return await handler(request)


@web.middleware
async def problem_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as a problem, including aiohttp's own 404/405/413 and the unexpected (500)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == PROBLEM_JSON or exc.status < 400:
            raise
        return _aiohttp_problem(request, exc)
    except Exception:
        logger.exception("operator API: %s %s failed", request.method, request.path)
        return _problem_response(500, "internal error in the operator API (see the CSMS log)")


def _aiohttp_problem(request: web.Request, exc: web.HTTPException) -> web.Response:
    if exc.status == 405:
        allowed = ", ".join(sorted(getattr(exc, "allowed_methods", ())))
        detail = f"method {request.method} not allowed on {request.path}; use {allowed}"
    elif exc.status == 404:
        detail = f"no such route: {request.path} (see /openapi.json)"
    else:
        detail = exc.reason
    response = _problem_response(exc.status, detail)
    for name in ("Allow", "WWW-Authenticate", "Retry-After"):
        if name in exc.headers:
            response.headers[name] = exc.headers[name]
    return response


async def no_sniffing_no_caching(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"


# -- bodies ------------------------------------------------------------------------------------


async def body_text(request: web.Request) -> str:
    """The body as text once it is a JSON object of bounded depth, in UTF-8 without lone
    surrogates: what the models then validate (pydantic parses it again, in Rust)."""
    raw = await request.read()
    if not raw.strip():
        raise problem(400, "the request body must be a JSON object; it is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problem(400, f"the request body is not valid UTF-8: {exc}") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise problem(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise problem(400, f"the request body must be a JSON object, not {type(data).__name__}")
    _check_depth(data)
    try:  # a lone surrogate escape ("\ud800") cannot be stored or sent on as UTF-8
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise problem(400, "the request body holds a lone surrogate (\\ud800-\\udfff)") from None
    return text


def _too_deep() -> Exception:
    return problem(400, f"the request body is nested too deeply (max {MAX_BODY_DEPTH})")


def _check_depth(data: Any) -> None:
    """Reject nesting deeper than MAX_BODY_DEPTH (iteratively: no recursion to exhaust)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_BODY_DEPTH:
            raise _too_deep()
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, (dict, list)):
            pending.extend((child, depth + 1) for child in children)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def body(request: web.Request, model: type[M]) -> M:
    """The request body as `model` (wire names only, as OCPP data is read), or a 400."""
    text = await body_text(request)
    try:
        return model.model_validate_json(text, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise invalid(_summary(exc, model), [_field_problem(e) for e in exc.errors()]) from None


def pointer(location: tuple[int | str, ...]) -> str:
    """A JSON Pointer (RFC 6901) in URI fragment form, as RFC 9457's example uses."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(escaped)


def _field_problem(error: ErrorDetails) -> FieldProblem:
    return FieldProblem(detail=_message(error, _path(error)), pointer=pointer(error["loc"]))


def _path(error: ErrorDetails) -> str:
    return "/".join(str(part) for part in error["loc"])


_TYPE_NAMES: Final = {
    "string_type": "str",
    "int_type": "int",
    "bool_type": "bool",
    "float_type": "number",
    "list_type": "list",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}
_OWN_MESSAGES: Final = frozenset({"identifier", "password", "date_time", "null_password"})


def _message(error: ErrorDetails, what: str) -> str:
    """One error in words that name the field, as a person fixing the request reads it."""
    kind = error["type"]
    if kind in _OWN_MESSAGES:
        return error["msg"]
    if kind == "missing":
        return f"missing required field {what!r}"
    if kind == "extra_forbidden":
        return f"unknown field {what!r}"
    if kind in _TYPE_NAMES:
        given = json.dumps(error["input"], default=str)
        shown = given if len(given) <= 60 else given[:57] + "..."
        return f"field {what!r} must be {_TYPE_NAMES[kind]}, not {shown}"
    if kind in ("literal_error", "enum") and "ctx" in error:
        return f"{what} must be one of {error['ctx']['expected']}"
    return f"{what}: {error['msg']}"


def _summary(exc: ValidationError, model: type[BaseModel]) -> str:
    errors = exc.errors()
    unknown = [_path(e) for e in errors if e["type"] == "extra_forbidden" and len(e["loc"]) == 1]
    parts = []
    if unknown:
        allowed = ", ".join(model.model_fields)
        parts.append(f"unknown field(s): {', '.join(unknown)}; allowed: {allowed}")
    known = [e for e in errors if not (e["type"] == "extra_forbidden" and len(e["loc"]) == 1)]
    parts.extend(_message(e, _path(e)) for e in known[:10])
    return "; ".join(parts)


def ocpp_problems(exc: ValidationError) -> tuple[str, list[FieldProblem]]:
    """An OCPP payload's errors as pydantic words them (they name wire fields already)."""
    items = [
        FieldProblem(detail=error["msg"], pointer=pointer(error["loc"])) for error in exc.errors()
    ]
    summary = "; ".join(f"{_path(e) or '(payload)'}: {e['msg']}" for e in exc.errors()[:10])
    return summary, items


# -- parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A path or query parameter: its type validates it and documents it."""

    name: str
    where: Literal["path", "query"]
    annotation: Any
    description: str = ""
    what: str = ""  # how messages name it; the name when empty
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.annotation))

    def __call__(self, request: web.Request) -> Any:
        """The value in `request` (None for an absent query parameter), or a 400."""
        where = request.match_info if self.where == "path" else request.query
        raw = where.get(self.name)
        if raw is None:
            return None
        try:
            return self.adapter.validate_python(raw)
        except ValidationError as exc:
            detail = _message(exc.errors()[0], self.what or self.name)
            raise invalid(detail, [FieldProblem(detail=detail, parameter=self.name)]) from None
