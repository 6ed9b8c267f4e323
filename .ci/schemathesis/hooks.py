"""Schemathesis hooks for ticketgrab: what JSON Schema cannot say.

- format `union-card`: a union card number with a valid Luhn check digit;
- creating an event: `opens_at` before `closes_at`, pool ids unique, and a
  free sale (`price_fen` 0) without a payment hold (`hold_minutes` > 0), no
  `starts_at` before `opens_at`; a lottery with `draw_at` (not before
  `closes_at`) and `public_source`, a race with neither;
- a pool that belongs to the event: when a positive request names a demo
  sale, its pools are that sale's (`pools_of_the_event` below).

The OpenAPI document says both in words (src/http/contract.rs); these hooks
let the fuzzer generate requests that follow them.
"""

from datetime import datetime

import schemathesis
from hypothesis import strategies as st


def with_check_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


@st.composite
def union_cards(draw):
    length = draw(st.integers(min_value=15, max_value=18))
    first = draw(st.sampled_from("123456789"))
    rest = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    card = with_check_digit(first + rest)
    if draw(st.booleans()):
        card = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    return card


schemathesis.openapi.format("union-card", union_cards())


def instant(text):
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (AttributeError, ValueError):
        return None


@schemathesis.hook
def filter_body(context, body):
    operation = context.operation
    if operation is None or operation.method.upper() != "POST" or operation.path != "/api/v1/admin/events":
        return True
    if not isinstance(body, dict):
        return True
    opens, closes = instant(body.get("opens_at")), instant(body.get("closes_at"))
    if opens is not None and closes is not None:
        try:
            if opens >= closes:
                return False
        except TypeError:
            pass
    # No show starts before its sale opens (the event's or a pool's).
    pools = body.get("pools") if isinstance(body.get("pools"), list) else []
    starts = [body.get("starts_at")] + [p.get("starts_at") for p in pools if isinstance(p, dict)]
    for start in map(instant, starts):
        if start is not None and opens is not None:
            try:
                if start < opens:
                    return False
            except TypeError:
                pass
    # A lottery names its draw (not before the close) and its public source;
    # a race names neither.
    lottery = body.get("mode") == "lottery"
    draw_at = instant(body.get("draw_at"))
    if lottery != (draw_at is not None) or lottery != (body.get("public_source") is not None):
        return False
    if draw_at is not None and closes is not None:
        try:
            if draw_at < closes:
                return False
        except TypeError:
            pass
    price, hold = body.get("price_fen"), body.get("hold_minutes")
    if price == 0 and isinstance(hold, (int, float)) and not isinstance(hold, bool) and hold > 0:
        return False
    pools = body.get("pools")
    if isinstance(pools, list):
        ids = [p.get("id") for p in pools if isinstance(p, dict)]
        if len(ids) != len(set(map(str, ids))):
            return False
    return True


# The demo sales' pools (src/demo.rs). The dictionaries in schemathesis.toml
# draw events and pools independently, so most positive requests named a pool
# of another sale and were refused 400 "the event has no such pool", which
# no schema can state (an event's pools are its own data) and which kept the
# fuzzer away from the sale's rules.
DEMO_POOLS = {
    "park-pass": ["pass"],
    "cinema-5yuan": ["screening"],
    "ice-carnival": ["entry"],
    "kids-theatre": [f"show-{n}" for n in range(1, 9)],
    "new-year-concert": ["night-1", "night-2"],
    "umbrella": ["umbrella"],
    "chaoyang-monthly": ["gift"],
}


def own_pool(pools, i):
    return pools[i % len(pools)]


@schemathesis.hook
def before_call(context, case, kwargs):
    """pools_of_the_event: a positive request about a demo sale names its pools."""
    mode = getattr(getattr(case.meta, "generation", None), "mode", None) if case.meta else None
    if str(getattr(mode, "value", mode)) != "positive":
        return
    path = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    body = case.body if isinstance(case.body, dict) else {}
    event = path.get("event", body.get("event"))
    pools = DEMO_POOLS.get(event) if isinstance(event, str) else None
    if not pools:
        return
    if isinstance(path.get("pool"), str) and path["pool"] not in pools:
        path["pool"] = own_pool(pools, len(path["pool"]))
    if isinstance(body.get("pool"), str) and body["pool"] not in pools:
        body["pool"] = own_pool(pools, len(body["pool"]))
    choices = body.get("choices")
    if isinstance(choices, list) and choices and all(isinstance(c, str) for c in choices):
        # Ranked choices stay distinct (uniqueItems): at most the sale's pools.
        body["choices"] = [c if c in pools else None for c in choices][: len(pools)]
        left = [p for p in pools if p not in body["choices"]]
        body["choices"] = [c if c is not None else left.pop(0) for c in body["choices"]]
