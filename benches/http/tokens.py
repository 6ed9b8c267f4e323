#!/usr/bin/env python3
"""Mint N member tokens (HS256, one distinct valid card each) for wrk.

    tokens.py N SECRET ISSUER ORG > tokens.txt
"""
import base64, hashlib, hmac, json, sys, time


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        digits = [int(c) for c in body + d][::-1]
        total = sum(x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2) for i, x in enumerate(digits))
        if total % 10 == 0:
            return body + d
    raise AssertionError


n, secret, issuer, org = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3], sys.argv[4]
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
exp = int(time.time()) + 6 * 3600
for i in range(n):
    card = luhn_complete(f"6218{i:014d}")
    claims = b64(json.dumps({"sub": card, "org": org, "iss": issuer, "exp": exp}).encode())
    signing = f"{header}.{claims}".encode()
    print(f"{header}.{claims}.{b64(hmac.new(secret, signing, hashlib.sha256).digest())}")
