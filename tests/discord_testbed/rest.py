"""The REST API under /api/v10: the routes discord.py uses, with Discord's checks and error bodies."""

from __future__ import annotations

import hashlib
import http
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_testbed import limits
from tests.discord_testbed.model import Channel, Guild, Interaction, Message, Permission

if TYPE_CHECKING:
    from tests.discord_testbed.testbed import TestBed

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
ALLOWED_RESPONSE_FLAGS = EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15)
Handler = Callable[[web.Request], Awaitable["Reply"]]
BODY = web.RequestKey("body", object)
FILES = web.RequestKey("files", dict)


class DiscordError(Exception):
    """An error answer shaped like Discord's: HTTP status plus JSON error code and message."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        violation: str | None = None,
        problems: list[limits.Problem] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        # Set when the bot did something Discord would refuse in production: the test must fail.
        self.violation = violation
        self.problems = problems or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.problems:
            body["errors"] = limits.discord_errors(self.problems)
        return body


def invalid_form(problems: list[limits.Problem], kind: str = "limits") -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", violation=kind, problems=problems)


def missing_permissions() -> DiscordError:
    return DiscordError(403, 50013, "Missing Permissions")


@dataclass
class Reply:
    status: int = 200
    body: Any = None


# What Discord answers with each status when a test does not say (its JSON error codes where it has one).
FAULT_DEFAULTS: dict[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    403: (50013, "Missing Permissions"),
    404: (10008, "Unknown Message"),
    413: (40005, "Request entity too large"),
}


@dataclass
class Fault:
    """An error the test bed answers instead of Discord's usual reply (see `TestBed.fail`).

    It matches a route (method plus path template, as in `tb.requests`), optionally only requests that
    carry (or do not carry) attachments, and answers the first `times` of them. `after=True`: the
    request takes effect (the message is created, the interaction answered) but the bot gets the error,
    as when a reply is lost on the way back. `status=None` drops the connection instead of answering.
    """

    method: str
    route: str
    status: int | None
    code: int = 0
    message: str = ""
    times: int = 1
    files: bool | None = None
    after: bool = False
    hits: list[RequestRecord] = field(default_factory=list)

    @property
    def spent(self) -> bool:
        return len(self.hits) >= self.times

    def matches(self, method: str, route: str, files: list[str]) -> bool:
        return (
            not self.spent
            and (method, route) == (self.method, self.route)
            and (self.files is None or self.files == bool(files))
        )

    def error(self) -> DiscordError:
        assert self.status is not None
        return DiscordError(self.status, self.code, self.message)


def fault_for(
    method: str,
    route: str,
    *,
    status: int | None,
    code: int | None = None,
    message: str | None = None,
    times: int = 1,
    files: bool | None = None,
    after: bool = False,
) -> Fault:
    """A Fault with Discord's code and message for `status` unless given."""
    if status is not None and not 400 <= status <= 599:
        raise ValueError(f"a fault answers with an error status (4xx or 5xx), not {status}")
    if status == 429:
        raise ValueError("use force_429 for rate limits: discord.py needs their headers")
    default_code, default_message = FAULT_DEFAULTS.get(status or 0, (0, ""))
    if not default_message and status is not None:
        default_message = f"{status}: {http.HTTPStatus(status).phrase}"
    return Fault(
        method,
        route,
        status,
        default_code if code is None else code,
        default_message if message is None else message,
        times,
        files,
        after,
    )


class ConnectionDroppedError(Exception):
    """Raised inside the test bed to drop the bot's connection without an answer (a network fault)."""


@dataclass
class RequestRecord:
    method: str
    route: str
    path: str
    body: Any
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    files: list[str] = field(default_factory=list)
    fault: Fault | None = None  # the injected fault that answered it, if any


@dataclass
class Violation:
    """Something the bot sent that Discord would refuse; fails the test unless consumed."""

    kind: str
    method: str
    route: str
    message: str
    problems: list[limits.Problem]
    body: Any

    def __str__(self) -> str:
        details = "; ".join(f"{p or '<body>'}: {m}" for p, m in self.problems)
        body = json.dumps(_shorten(self.body), default=str)[:2000]
        return f"[{self.kind}] {self.method} {self.route}: {self.message} {details}\n    body: {body}"


def _shorten(value: Any) -> Any:
    """Long strings cut for display, with their length, so the offending payload stays readable."""
    if isinstance(value, str) and len(value) > 120:
        return f"{value[:100]}…({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


@dataclass
class RouteLimit:
    limit: int
    per: float
    hits: dict[str, list[float]] = field(default_factory=dict)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly `application/json`: discord.py treats `application/json; charset=utf-8` as plain text.
    all_headers = {"Content-Type": "application/json", "Via": "1.1 google", **(headers or {})}
    if body is None:
        return web.Response(
            status=status, headers={k: v for k, v in all_headers.items() if k != "Content-Type"}
        )
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class RestApi:
    """Registers the routes on an aiohttp app and answers them from the TestBed's state."""

    def __init__(self, tb: TestBed) -> None:
        self._tb = tb

    def install(self, app: web.Application) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/@me/guilds", self.get_my_guilds),
            ("GET", "/users/{user_id}", self.get_user),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_bot_gateway),
            ("GET", "/applications/{application_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/commands", self.put_commands),
            ("POST", "/applications/{application_id}/commands", self.post_command),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self.post_command),
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", self.callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self.followup),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.get_webhook_message),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.edit_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.delete_webhook_message,
            ),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("GET", "/channels/{channel_id}/messages", self.get_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API_PREFIX + path, self._wrap(path, handler))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unsupported)

    # -- plumbing -------------------------------------------------------------------------------

    def _wrap(self, template: str, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            return await self._serve(template, handler, request)

        return serve

    async def _serve(self, template: str, handler: Handler, request: web.Request) -> web.Response:
        tb = self._tb
        spec_route = (
            template.replace("{message_id}", "@original")
            if request.match_info.get("message_id") == "@original"
            else template
        )
        record = RequestRecord(request.method, spec_route, request.path_qs, None)
        tb.requests.append(record)
        headers: dict[str, str] = {}
        try:
            body, files = await self._read_body(request)
            record.body, record.files = body, list(files)
            request[BODY], request[FILES] = body, files
            self._check_auth(template, request)
            fault = tb.take_fault(record)
            if fault is not None and not fault.after:
                self._answer_with_fault(request, fault)
            headers = self._rate_limit(request.method, template, request)
            problems = limits.check_request(request.method, spec_route, body)
            if problems:
                raise invalid_form(problems)
            if tb.forbid_pings and (pings := limits.check_no_pings(request.method, spec_route, body)):
                raise invalid_form(pings, kind="pings")
            if isinstance(body, dict | list) and tb.spec is not None:
                problems = tb.spec.problems(request.method, spec_route, body)
                if problems:
                    raise invalid_form(problems, kind="openapi")
            reply = await handler(request)
            if fault is not None:
                # It took effect; only the answer is lost (a timeout, a 5xx from a proxy on the way back).
                self._reply_lost(request)
                self._answer_with_fault(request, fault)
        except ConnectionDroppedError:
            tb.notify()
            request.transport.close()
            return web.Response(status=499)  # never reaches the bot: the connection is gone
        except DiscordError as err:
            record.status = err.status
            if err.violation:
                tb.violations.append(
                    Violation(
                        err.violation, request.method, spec_route, err.message, err.problems, record.body
                    )
                )
            if isinstance(err, _RateLimitedError):
                headers = err.headers()
            tb.notify()
            return json_response(err.status, err.body(), headers)
        record.status = reply.status
        tb.notify()
        return json_response(reply.status, reply.body, headers)

    def _answer_with_fault(self, request: web.Request, fault: Fault) -> None:
        if fault.status is None:
            raise ConnectionDroppedError
        raise fault.error()

    def _reply_lost(self, request: web.Request) -> None:
        """Remember an interaction whose answer the bot never saw: its retry's 40060 is no bot bug."""
        interaction_id = request.match_info.get("interaction_id")
        if interaction_id is not None:
            self._tb.lost_replies.add(int(interaction_id))

    async def _unsupported(self, request: web.Request) -> web.Response:
        tb = self._tb
        path = request.path.removeprefix(API_PREFIX)
        tb.requests.append(RequestRecord(request.method, path, request.path_qs, None, 404))
        tb.violations.append(
            Violation(
                "unsupported-route",
                request.method,
                path,
                "the test bed does not implement this route",
                [],
                None,
            )
        )
        tb.notify()
        return json_response(404, {"message": "404: Not Found", "code": 0})

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        if not request.body_exists:
            return None, {}
        ctype = request.content_type
        if ctype == "multipart/form-data":
            body: Any = None
            files: dict[str, bytes] = {}
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                data = await part.read()
                if part.name == "payload_json":
                    body = json.loads(data)
                    continue
                filename = part.filename or part.name or "file"
                if filename in files:
                    # Discord takes it; the test bed keys a request's files by name and would lose one.
                    raise DiscordError(
                        400, 0, f"two files named {filename!r} in one request", violation="unsupported-upload"
                    )
                files[filename] = bytes(data)
            return body, files
        raw = await request.read()
        if not raw:
            return None, {}
        try:
            return json.loads(raw), {}
        except json.JSONDecodeError:
            raise DiscordError(
                400, 50109, "The request body contains invalid JSON.", violation="bad-json"
            ) from None

    def _check_auth(self, template: str, request: web.Request) -> None:
        if template.startswith(("/webhooks/", "/interactions/")):
            return  # authenticated by the interaction token in the path
        if request.headers.get("Authorization") != f"Bot {self._tb.token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def _rate_limit(self, method: str, template: str, request: web.Request) -> dict[str, str]:
        tb = self._tb
        key = f"{method} {template}"
        major = next(
            (
                request.match_info[p]
                for p in ("channel_id", "guild_id", "webhook_token")
                if p in request.match_info
            ),
            "",
        )
        bucket = hashlib.sha1(key.encode()).hexdigest()[:16]
        forced = tb.forced_429s.get(key)
        if forced:
            raise _RateLimitedError(forced.pop(0), bucket)
        rule = tb.route_limits.get(key)
        if rule is None:
            return {}
        now = time.monotonic()
        hits = [t for t in rule.hits.get(major, []) if now - t < rule.per]
        rule.hits[major] = hits
        if len(hits) >= rule.limit:
            raise _RateLimitedError(hits[0] + rule.per - now, bucket)
        hits.append(now)
        reset_after = hits[0] + rule.per - now
        return {
            "X-RateLimit-Limit": str(rule.limit),
            "X-RateLimit-Remaining": str(rule.limit - len(hits)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket,
        }

    # -- login and gateway ----------------------------------------------------------------------

    async def get_me(self, request: web.Request) -> Reply:
        return Reply(
            body={**self._tb.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        )

    async def get_my_guilds(self, request: web.Request) -> Reply:
        """Partial guilds with the bot's server-wide permissions (what `quizbot doctor` reads)."""
        tb = self._tb
        me = tb.bot_user.id
        return Reply(
            body=[
                {
                    "id": str(g.id),
                    "name": g.name,
                    "icon": None,
                    "banner": None,
                    "owner": g.owner_id == me,
                    "permissions": str(g.base_permissions(me)),
                    "features": [],
                }
                for g in tb.guilds.values()
                if me in g.members
            ]
        )

    async def get_user(self, request: web.Request) -> Reply:
        user = self._tb.users.get(int(request.match_info["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return Reply(body=user.to_payload())

    async def create_dm(self, request: web.Request) -> Reply:
        """Open (or hand out again) the bot's DM channel with a user; whether a message gets through is
        decided when it is sent (403 50007)."""
        body = request[BODY] or {}
        user = self._tb.users.get(int(body.get("recipient_id") or 0))
        if user is None or user.bot:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return Reply(body=self._tb.dm_channel(user).to_payload())

    async def get_application(self, request: web.Request) -> Reply:
        tb = self._tb
        return Reply(
            body={
                "id": str(tb.application_id),
                "name": tb.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": tb.owner.to_payload(),
                "team": None,
                "bot": tb.bot_user.to_payload(),
                "approximate_guild_count": len(tb.guilds),
            }
        )

    async def get_gateway(self, request: web.Request) -> Reply:
        return Reply(body={"url": self._tb.gateway_url})

    async def get_bot_gateway(self, request: web.Request) -> Reply:
        """The URL, the recommended shard count and the session start limit (every IDENTIFY counts)."""
        tb = self._tb
        return Reply(
            body={
                "url": tb.gateway_url,
                "shards": tb.recommended_shards,
                "session_start_limit": {
                    "total": tb.session_start_total,
                    "remaining": max(0, tb.session_start_total - tb.gateway.identifies),
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    # -- application commands -------------------------------------------------------------------

    def _command_scope(self, request: web.Request) -> int | None:
        if int(request.match_info["application_id"]) != self._tb.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        guild_id = request.match_info.get("guild_id")
        if guild_id is not None and int(guild_id) not in self._tb.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return int(guild_id) if guild_id is not None else None

    async def get_commands(self, request: web.Request) -> Reply:
        return Reply(body=self._tb.commands.get(self._command_scope(request), []))

    async def put_commands(self, request: web.Request) -> Reply:
        scope = self._command_scope(request)
        body = request[BODY] or []
        stored = self._tb.store_commands(scope, body)
        self._tb.sync_calls.append(("PUT", scope))
        return Reply(body=stored)

    async def post_command(self, request: web.Request) -> Reply:
        scope = self._command_scope(request)
        body = request[BODY] or {}
        existing = [
            c
            for c in self._tb.commands.get(scope, [])
            if (c["name"], c.get("type", 1)) != (body.get("name"), body.get("type", 1))
        ]
        stored = self._tb.store_commands(scope, [*existing, body])
        self._tb.sync_calls.append(("POST", scope))
        return Reply(201, next(c for c in stored if c["name"] == body.get("name")))

    # -- interactions ---------------------------------------------------------------------------

    def _interaction_by_token(self, request: web.Request) -> Interaction:
        tb = self._tb
        if int(request.match_info["webhook_id"]) != tb.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook", violation="unknown-webhook")
        inter = tb.interactions_by_token.get(request.match_info["webhook_token"])
        if inter is None:
            raise DiscordError(401, 50027, "Invalid Webhook Token", violation="unknown-webhook")
        if tb.clock() - inter.created_at > tb.token_ttl:
            raise DiscordError(401, 50027, "Invalid Webhook Token", violation="expired-token")
        return inter

    async def callback(self, request: web.Request) -> Reply:
        tb = self._tb
        inter = tb.interactions.get(int(request.match_info["interaction_id"]))
        if inter is None or inter.token != request.match_info["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction", violation="unknown-interaction")
        if inter.response_type is not None:
            # After an answer lost on the way back the bot cannot know it arrived: retrying is right.
            lost = inter.id in tb.lost_replies
            raise DiscordError(
                400,
                40060,
                "Interaction has already been acknowledged.",
                violation=None if lost else "double-ack",
            )
        if tb.clock() - inter.created_at > tb.interaction_deadline:
            raise DiscordError(404, 10062, "Unknown interaction", violation="late-response")
        body = request[BODY] or {}
        rtype = body.get("type")
        data = body.get("data") or {}
        message = self._respond(inter, rtype, data, request[FILES])
        inter.response_type, inter.response_at, inter.response_data = rtype, tb.clock(), data
        interaction_info: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
        resource: dict[str, Any] = {"type": rtype}
        if message is not None:
            interaction_info.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            resource["message"] = message.to_payload()
        return Reply(200, {"interaction": interaction_info, "resource": resource})

    def _respond(
        self, inter: Interaction, rtype: Any, data: dict[str, Any], files: dict[str, bytes]
    ) -> Message | None:
        tb = self._tb
        is_component = inter.type in (3, 5)
        if rtype in (4, 5, 6, 7, 9) and inter.type == 4:
            raise invalid_form(
                [("type", "an autocomplete interaction can only be answered with type 8")],
                kind="bad-callback",
            )
        if rtype == 4:
            self._check_response_flags(data)
            message = tb.new_message(inter.channel_id, data, files, interaction=inter)
            inter.original_message_id = message.id
            return message
        if rtype == 5:
            flags = int(data.get("flags") or 0)
            if flags & ~EPHEMERAL:
                raise invalid_form(
                    [("data.flags", "a deferred response may only set EPHEMERAL")], kind="bad-callback"
                )
            message = tb.new_message(
                inter.channel_id, {"content": "", "flags": flags | Message.LOADING}, {}, interaction=inter
            )
            inter.original_message_id = message.id
            return message
        if rtype in (6, 7):
            # A modal submit may always be deferred silently (6); updating (7) needs the message the
            # modal was opened from (discord-api-docs #5486, #8612).
            if not is_component or (inter.message_id is None and not (rtype == 6 and inter.type == 5)):
                raise invalid_form(
                    [("type", f"callback type {rtype} needs a component interaction or a modal submit from one")],
                    kind="bad-callback",
                )
            inter.original_message_id = inter.message_id
            if rtype == 6:
                return None
            self._check_response_flags(data)
            return tb.edit_message(tb.messages[inter.message_id], data, files)
        if rtype == 8:
            if inter.type != 4:
                raise invalid_form(
                    [("type", "type 8 answers autocomplete interactions only")], kind="bad-callback"
                )
            return None
        if rtype == 9:
            if inter.type == 5:
                raise invalid_form([("type", "a modal cannot answer a modal submit")], kind="bad-callback")
            return None
        raise invalid_form(
            [("type", f"unsupported interaction callback type {rtype!r}")], kind="bad-callback"
        )

    @staticmethod
    def _check_response_flags(body: dict[str, Any]) -> None:
        flags = body.get("flags")
        if flags is not None and int(flags) & ~ALLOWED_RESPONSE_FLAGS:
            raise invalid_form([("flags", f"flags {flags} may not be set on an interaction response")])

    async def followup(self, request: web.Request) -> Reply:
        tb = self._tb
        inter = self._interaction_by_token(request)
        if inter.response_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook", violation="followup-before-response")
        body = request[BODY] or {}
        self._check_response_flags(body)
        self._require_content(body, request[FILES])
        original = tb.messages.get(inter.original_message_id or 0)
        if original is not None and original.loading and original.interaction_metadata is not None:
            # The first followup after a "thinking" defer replaces the loading message, keeping its flags.
            message = tb.edit_message(original, body, request[FILES])
        else:
            message = tb.new_message(inter.channel_id, body, request[FILES], interaction=inter)
        inter.followup_ids.append(message.id)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        return Reply(200, message.to_payload()) if wait else Reply(204)

    def _webhook_message(self, request: web.Request) -> tuple[Interaction, Message]:
        inter = self._interaction_by_token(request)
        raw = request.match_info["message_id"]
        message_id = inter.original_message_id if raw == "@original" else int(raw)
        allowed = {inter.original_message_id, *inter.followup_ids}
        message = self._tb.messages.get(message_id or 0)
        if message is None or message.deleted or message_id not in allowed:
            raise DiscordError(404, 10008, "Unknown Message")
        return inter, message

    async def get_webhook_message(self, request: web.Request) -> Reply:
        return Reply(body=self._webhook_message(request)[1].to_payload())

    async def edit_webhook_message(self, request: web.Request) -> Reply:
        _, message = self._webhook_message(request)
        body = request[BODY] or {}
        self._check_response_flags(body)
        return Reply(body=self._tb.edit_message(message, body, request[FILES]).to_payload())

    async def delete_webhook_message(self, request: web.Request) -> Reply:
        _, message = self._webhook_message(request)
        self._tb.delete_message(message)
        return Reply(204)

    # -- channels and messages ------------------------------------------------------------------

    def _channel(self, request: web.Request, *needed: int) -> Channel:
        tb = self._tb
        channel = tb.channels.get(int(request.match_info["channel_id"]))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        if channel.is_dm:
            return channel  # the bot's own DM channel: no server permissions apply
        assert channel.guild_id is not None
        perms = tb.guilds[channel.guild_id].permissions_in(channel, tb.bot_user.id)
        if not perms & Permission.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if channel.is_thread:
            # In a thread SEND_MESSAGES grants nothing; its own bit is what lets one post there.
            needed = tuple(
                Permission.SEND_MESSAGES_IN_THREADS if bit == Permission.SEND_MESSAGES else bit for bit in needed
            )
        for bit in needed:
            if not perms & bit:
                raise missing_permissions()
        return channel

    def _channel_message(self, request: web.Request, *needed: int) -> Message:
        channel = self._channel(request, *needed)
        message = self._tb.messages.get(int(request.match_info["message_id"]))
        if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    @staticmethod
    def _require_content(body: dict[str, Any], files: dict[str, bytes]) -> None:
        if not (
            body.get("content")
            or body.get("embeds")
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message", violation="empty-message")

    async def get_channel(self, request: web.Request) -> Reply:
        return Reply(body=self._channel(request).to_payload())

    async def typing(self, request: web.Request) -> Reply:
        self._channel(request, Permission.SEND_MESSAGES)
        return Reply(204)

    async def create_message(self, request: web.Request) -> Reply:
        body = request[BODY] or {}
        files = request[FILES]
        needed = [Permission.SEND_MESSAGES]
        if body.get("embeds"):
            needed.append(Permission.EMBED_LINKS)
        if files:
            needed.append(Permission.ATTACH_FILES)
        if body.get("message_reference"):
            needed.append(Permission.READ_MESSAGE_HISTORY)
        channel = self._channel(request, *needed)
        self._require_content(body, files)
        if channel.recipient is not None and not self._tb.may_dm(channel.recipient):
            # A member with DMs closed, or who shares no server with the bot (documented code 50007).
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            same = self._tb.message_with_nonce(channel.id, nonce)
            if same is not None:
                return Reply(200, same.to_payload())
        return Reply(200, self._tb.new_message(channel.id, body, files).to_payload())

    async def get_messages(self, request: web.Request) -> Reply:
        channel = self._channel(request, Permission.READ_MESSAGE_HISTORY)
        limit = min(int(request.query.get("limit", 50)), 100)
        before = int(request.query.get("before", 0)) or None
        after = int(request.query.get("after", 0)) or None
        found = [
            m
            for m in self._tb.visible_messages(channel)
            if (before is None or m.id < before) and (after is None or m.id > after)
        ]
        found.sort(key=lambda m: m.id, reverse=after is None)
        return Reply(body=[m.to_payload() for m in found[:limit]])

    async def get_message(self, request: web.Request) -> Reply:
        return Reply(body=self._channel_message(request, Permission.READ_MESSAGE_HISTORY).to_payload())

    async def edit_message(self, request: web.Request) -> Reply:
        message = self._channel_message(request)
        body = request[BODY] or {}
        if message.author.id != self._tb.bot_user.id and set(body) - {"flags"}:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return Reply(body=self._tb.edit_message(message, body, request[FILES]).to_payload())

    async def delete_message(self, request: web.Request) -> Reply:
        message = self._channel_message(request)
        if message.author.id != self._tb.bot_user.id:
            self._channel(request, Permission.MANAGE_MESSAGES)
        self._tb.delete_message(message)
        return Reply(204)

    # -- guilds ---------------------------------------------------------------------------------

    def _guild(self, request: web.Request) -> Guild:
        guild = self._tb.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, request: web.Request) -> Reply:
        payload = self._guild(request).create_payload()
        for key in ("channels", "members", "threads", "voice_states", "presences", "joined_at"):
            payload.pop(key, None)
        return Reply(body=payload)

    async def get_guild_channels(self, request: web.Request) -> Reply:
        return Reply(body=[c.to_payload() for c in self._guild(request).channels.values()])

    async def get_roles(self, request: web.Request) -> Reply:
        return Reply(body=[r.to_payload() for r in self._guild(request).roles.values()])

    async def get_member(self, request: web.Request) -> Reply:
        guild = self._guild(request)
        member = guild.members.get(int(request.match_info["user_id"]))
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return Reply(body=member.to_payload())


class _RateLimitedError(DiscordError):
    def __init__(self, retry_after: float, bucket: str) -> None:
        super().__init__(429, 0, "You are being rate limited.")
        self.retry_after = max(retry_after, 0.001)
        self.bucket = bucket

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": self.bucket,
            "X-RateLimit-Scope": "user",
            "Retry-After": str(max(1, round(self.retry_after))),
        }

    def body(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "retry_after": round(self.retry_after, 3),
            "global": False,
            "code": 0,
        }
