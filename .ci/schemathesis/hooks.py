"""Schemathesis hooks for ticketgrab: what JSON Schema cannot say.

- format `union-card`: a union card number with a valid Luhn check digit;
- creating an event: `opens_at` before `closes_at`, pool ids unique, and a
  free sale (`price_fen` 0) without a payment hold (`hold_minutes` > 0), no
  `starts_at` before `opens_at`; a lottery with `draw_at` (not before
  `closes_at`) and `public_source`, a race with neither.

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
