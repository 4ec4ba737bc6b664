"""The demo PBX a new profile starts with, and the endless traffic the demo feed plays.

Subscriptions point at the built-in test receiver, so events and delivery results flow
without any setup; one phone's subscriptions use the receiver's ``/flaky`` path so a
new user also sees what a failing handler looks like.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pbxdesk.domain import (
    CallStatus,
    EventType,
    Extension,
    ExtensionType,
    HttpMethod,
    Subscription,
)
from pbxdesk.engine.scenario import CallPlan, PbxSettings

DEMO_PBX = PbxSettings(client_prefix="000", domain="demo.pbxdesk.local", seed=1)
DEMO_RECEIVER_PORT = 18765

DEMO_EXTENSIONS: tuple[Extension, ...] = (
    Extension(101, "000*101", ExtensionType.PHONE, label="Anna Petrova (sales)", record=True),
    Extension(102, "000*102", ExtensionType.PHONE, label="Boris Ivanov (sales)"),
    Extension(103, "000*103", ExtensionType.PHONE, label="Vera Smirnova (support)", did="78123332301"),
    Extension(200, "000*200", ExtensionType.QUEUE, label="Sales queue", agents=("000*101", "000*102")),
    Extension(
        300,
        "000*300",
        ExtensionType.IVR,
        label="Main menu",
        did="78123332300",
        route="000*200",
        menu_time=4.0,
    ),
)

_OUTSIDE = ("+79817654321", "+79112223344", "+74951234567", "+78129876543", "+79035550101")


def demo_subscriptions(receiver_base: str) -> list[Subscription]:
    crm = f"{receiver_base}/crm/events"
    G, P = HttpMethod.GET, HttpMethod.POST
    subs = [
        Subscription(101, EventType.DIAL_OUT, G, f"{crm}?myid=101"),
        Subscription(101, EventType.ANSWER, G, f"{crm}?myid=101"),
        Subscription(101, EventType.HANGUP, G, f"{crm}?myid=101"),
        Subscription(102, EventType.DIAL_IN, P, crm),
        Subscription(102, EventType.HANGUP, P, crm),
        Subscription(200, EventType.DIAL_IN, P, f"{receiver_base}/crm/queue"),
        Subscription(200, EventType.HANGUP, P, f"{receiver_base}/crm/queue"),
        Subscription(300, EventType.DIAL_IN, G, f"{receiver_base}/crm/ivr?myid=300"),
        Subscription(300, EventType.HANGUP, G, f"{receiver_base}/crm/ivr?myid=300"),
    ]
    for et in (EventType.DIAL_IN, EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP):
        subs.append(Subscription(103, et, P, f"{receiver_base}/helpdesk/flaky"))
    return subs


def demo_traffic(seed: int = 1, rate: float = 0.6, first_at: float = 0.5) -> Iterator[CallPlan]:
    """An endless mix of calls on the demo PBX, arriving at ``rate`` calls/s (Poisson)."""
    rng = random.Random(seed)
    at = first_at
    phones = ("000*101", "000*102", "000*103")
    while True:
        kind = rng.random()
        answered = rng.random() < 0.8
        answer_after = round(rng.uniform(1.0, 6.0), 1) if answered else None
        talk = round(rng.uniform(3.0, 25.0), 1)
        hangup = rng.choice((CallStatus.NOANSWER, CallStatus.BUSY, CallStatus.CANCEL))
        outside = rng.choice(_OUTSIDE)
        if kind < 0.35:  # a customer calls the main number: menu, then the sales queue
            yield CallPlan(
                at,
                outside,
                "78123332300",
                answer_after,
                talk,
                answered_by=rng.choice(("000*101", "000*102")),
                hangup=hangup,
                ring=8.0,
            )
        elif kind < 0.55:  # a customer calls support directly
            yield CallPlan(at, outside, "78123332301", answer_after, talk, hangup=hangup)
        elif kind < 0.85:  # a salesperson calls out
            yield CallPlan(at, rng.choice(phones[:2]), outside, answer_after, talk, hangup=hangup)
        else:  # colleagues call each other
            a, b = rng.sample(phones, 2)
            yield CallPlan(at, a, b, answer_after, talk, hangup=hangup)
        at += rng.expovariate(rate)
