"""Every choice the emulator (and pbxdesk's client) makes where the public record is silent.

The public record (``pbx-api-public.md``) settles most of the API; what it leaves open is
decided here, in one place, each with its reason. ``ASSUMPTIONS`` is the list the README shows
(section "Assumptions"); ``pbxdesk.pbx.api`` keeps the client-side ones it already had.
"""

from __future__ import annotations

# The account's numeric client id in the emulator (``GET /user/`` -> client_id). Any positive
# number would do; the record's invented example is 4711.
EMULATOR_ACCOUNT_ID = 4711
# The user the emulator's tokens belong to (a trusted app's token is its creator's).
EMULATOR_USER_ID = 9035
EMULATOR_LOGIN = "emulator"

# 401 body: one client tests message == "Unauthorized" (record section 9).
UNAUTHORIZED_MESSAGE = "Unauthorized"
# 400 body: {"message", "status"}; the status string of a refused request body.
VALIDATION_CODE = "invalid_data"
# Over the subscription limit: 400 with this status (the record names no code).
LIMIT_EXCEEDED_STATUS = 400
LIMIT_EXCEEDED_CODE = "limit_exceeded"
# pbxdesk's client reads the subscription limit from the first of these keys of the limits
# resource (the emulator writes the first).
SUBSCRIPTION_LIMIT_KEYS = ("event_subscriptions", "max_events", "events", "event_limit")
# pbxdesk's client reads a refusal's reason from the first of these keys (then plain text).
ERROR_MESSAGE_KEYS = ("message", "error_description", "detail", "error")
# A current-call action the emulator cannot carry out on a simulated call.
NOT_SUPPORTED_CODE = "not_supported"

# Where an extension's call status is set (the record documents the statuses resource and the
# event, not the call that sets a status): PUT /extension/{id}/call_status/ {"status_id"}.
EXTENSION_CALL_STATUS_PATH = "/extension/{extension}/call_status/"
# A local queue agent's id is its phone extension's id; logging in or out is
# PUT /client/{cid}/agent/local/{agent_id}/ {"status": "available" | "logged_out"}.
AGENT_STATUS_FIELD = "status"

# The limits resource's field names (not public): the emulator's own.
LIMIT_KEYS = (
    "event_subscriptions",
    "event_subscriptions_used",
    "extension_events_used",
    "phone_events_used",
    "agent_events_used",
)

# How long a recording is said to be (bytes per second of talk) in record_file_size: 16 kbit/s.
RECORD_BYTES_PER_SECOND = 2000

ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    (
        "token errors",
        '401 {"error": "invalid_client"} for a wrong id or secret, 400 '
        '{"error": "unsupported_grant_type"} for another grant; HTTP Basic accepted, never required',
    ),
    ("401 body", '{"message": "Unauthorized"}'),
    ("400 body", '{"message": "<field>: <why>", "status": "invalid_data"}'),
    (
        "every path",
        "answers with and without the trailing slash; Content-Type is ignored when "
        "there is no body, and a JSON body is read whatever its Content-Type says",
    ),
    ("/extension/{id}/", "GET/PUT/DELETE also without /client/{cid}/ (pbx-events.md)"),
    ("extension list", "no per_page: every extension; with it: that page (page from 1)"),
    ("extension create", 'status defaults to "blocked" (the older documented table)'),
    (
        "client id",
        f"the emulator's account is client {EMULATOR_ACCOUNT_ID} unless --account-id or the "
        "scenario's [pbx] client_id says otherwise",
    ),
    (
        "phone_events by id",
        "GET/PUT/DELETE /client/{cid}/phone_events/{id} mirror the extension event resource",
    ),
    (
        "extension call status",
        'set with PUT /extension/{id}/call_status/ {"status_id": n|null}; '
        "change_dt is 'YYYY-MM-DD HH:MM:SS' UTC",
    ),
    (
        "queue agents",
        "a local agent's id is its phone's extension id; login/logout is PUT "
        '/client/{cid}/agent/local/{id}/ {"status": "available"|"logged_out"}',
    ),
    (
        "limits",
        "field names " + ", ".join(LIMIT_KEYS) + "; one limit counts every kind of "
        "subscription (extension, phone_events, agent)",
    ),
    ("subscription limit", '400 {"message", "status": "limit_exceeded"}'),
    (
        "callback answer",
        "call_id = the CallID of the call's events (= CallBackID), call_api_id = their CallAPIID",
    ),
    (
        "current calls",
        "one item per phone leg that has started and not hung up; call_flow in lower "
        'case; GET of one call answers {"call_list": [that call]}; DELETE ends the call at once '
        "(hangup events follow, CallStatus ANSWER for a leg that "
        "talked and for an ivr's or queue's own leg of an answered call, else CANCEL); the "
        "per-extension resources answer under "
        "/client/{cid}/extension/{id}/current_calls/ too; PUT actions other than transfer "
        "(attended_transfer, hold, park...) answer 409 not_supported",
    ),
    (
        "blind transfer",
        "PUT action=transfer with send_dst (a phone of this PBX, short or full name) on a call the "
        "phone has answered: the phone's leg hangs up at once (ANSWER, its talk time); the target "
        "gets a dial-in with RemoteNumber = the party handed on (the caller, or the number the phone "
        "had dialled), answers after the emulator's callback answer time and talks for its callback "
        "talk time (a queue's thread that rang the phone ends with the phone's leg); the call's other "
        "open legs (an ivr, a queue) hang up with the target, ANSWER, Bridged=yes. 200 "
        'answers {"call_list": [the call on the target]}. A ringing call, an outside number, an '
        "ivr/queue or a forwarding phone: 409 not_supported; a missing, unknown, blocked or "
        "already-connected send_dst: 400 invalid_data",
    ),
    (
        "call history",
        "one item per finished call, owned by the extension of its first event; "
        "cdr: one leg per SubCallID; hangup_cause NORMAL_CLEARING; default per_page 50, order desc",
    ),
    (
        "records",
        "record_uuid = the hangup's RecID upper-cased; every record plays the same short "
        "audio file shipped with pbxdesk; record_file_size from the talk time at 16 kbit/s",
    ),
    (
        "DIDs",
        "the public numbers of the emulator's extensions (their `did`), ids from 1; "
        "binding one moves it to the new extension for the simulator's routing",
    ),
    ("rate limit", "off by default; with a budget, X-RateLimit-* on every API answer"),
    (
        "pbxdesk's client",
        "reads the subscription limit from the first of "
        + ", ".join(SUBSCRIPTION_LIMIT_KEYS)
        + " and an error's reason from the first of "
        + ", ".join(ERROR_MESSAGE_KEYS)
        + " (or plain text)",
    ),
    (
        "call_interactive, voicemail and message-* data",
        "not emulated beyond the simulator's events (nothing public shows them)",
    ),
)
