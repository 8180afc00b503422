#!/usr/bin/env python3
"""Independent check of Laurel's audit format version 0 test vectors.

Written from docs/audit.md alone (Python 3 standard library only): recomputes every canonical JSON form, every
rejection, every commitment, and every event hash and chain link in docs/audit-vectors.json, prints one line per
check and "N passed, M failed" at the end, and exits 1 on any mismatch (2 when the file cannot be read).

Usage: python3 tools/audit_vectors.py [docs/audit-vectors.json]
"""

import hashlib
import json
import re
import sys

MAX_SAFE = 2**53 - 1
GENESIS_PREV = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
ACTOR = re.compile(r"(?:system|cli|bootstrap|scheduler|(?:organizer|juror):p_[0-9a-f]{16})\Z")
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\Z")

SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class Rejected(Exception):
    """A value outside the canonical JSON subset; `path` names where."""

    def __init__(self, path, reason):
        super().__init__(f"{reason} at {path}")
        self.path = path


def is_surrogate(ch):
    return 0xD800 <= ord(ch) <= 0xDFFF


def quote(s):
    """A JSON string literal: the RFC 8785 escapes; a lone surrogate (only used in paths) as \\udxxx."""
    out = ['"']
    for ch in s:
        if ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20 or is_surrogate(ch):
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def string(s, path, what):
    # Python holds a well-formed surrogate pair as one code point above U+FFFF; a code point in
    # U+D800..U+DFFF is therefore a lone surrogate.
    for i, ch in enumerate(s):
        if is_surrogate(ch):
            raise Rejected(path, f"{what} has a lone surrogate \\u{ord(ch):04x}")
    return quote(s)


def utf16_units(key):
    # Big-endian UTF-16 bytes compare like the sequence of UTF-16 code units (RFC 8785 section 3.2.3).
    return key.encode("utf-16-be", "surrogatepass")


def child(path, key):
    return f"{path}.{key}" if IDENTIFIER.match(key) else f"{path}[{quote(key)}]"


def canonical(value, path="$"):
    """RFC 8785 canonical JSON of a value read from JSON text, restricted to Laurel's subset."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        # A JSON number is an IEEE double to JavaScript: 1.0 or 1e2 is the integer 1 or 100, -0 is 0.
        if value != value or value in (float("inf"), float("-inf")):
            raise Rejected(path, "non-finite number")
        if not value.is_integer():
            raise Rejected(path, "fractional number")
        value = int(value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE:
            raise Rejected(path, "integer outside the safe range")
        return str(value)
    if isinstance(value, str):
        return string(value, path, "string")
    if isinstance(value, list):
        return "[" + ",".join(canonical(v, f"{path}[{i}]") for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        parts = []
        for key in sorted(value, key=utf16_units):
            member = child(path, key)
            parts.append(string(key, member, "property name") + ":" + canonical(value[key], member))
        return "{" + ",".join(parts) + "}"
    raise Rejected(path, f"{type(value).__name__} is not allowed")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hex_bytes(h, what):
    if not isinstance(h, str) or not HEX64.match(h):
        raise ValueError(f"{what} is not 64 lowercase hex digits")
    return bytes.fromhex(h)


def event_canonical(event):
    body = {k: event[k] for k in ("seq", "at", "actor", "type", "payload")}
    return canonical(body)


def event_hash(prev, event):
    return sha256_hex(hex_bytes(prev, "prev") + event_canonical(event).encode("utf-8"))


def commitment(salt, value):
    return sha256_hex(hex_bytes(salt, "salt") + value.encode("utf-8"))


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate property {key!r}")
        seen[key] = value
    return seen


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {label}")
        else:
            self.failed += 1
            print(f"FAIL  {label}" + (f": {detail}" if detail else ""))


def check_canonical(report, cases):
    for case in cases:
        label = f"canonical: {case['name']}"
        try:
            got = canonical(case["input"])
        except Rejected as e:
            report.check(label, False, f"rejected: {e}")
            continue
        report.check(label, got == case["canonical"], f"got {got!r}, expected {case['canonical']!r}")


def check_rejects(report, cases):
    for case in cases:
        label = f"rejected: {case['name']}"
        try:
            got = canonical(case["input"])
        except Rejected as e:
            report.check(label, e.path == case["path"], f"rejected at {e.path}, expected {case['path']}")
            continue
        report.check(label, False, f"accepted as {got!r}")


def check_commitments(report, cases):
    for case in cases:
        label = f"commitment: {case['name']}"
        try:
            got = commitment(case["salt"], case["value"])
        except (ValueError, UnicodeEncodeError) as e:
            report.check(label, False, str(e))
            continue
        report.check(label, got == case["commitment"], f"got {got}, expected {case['commitment']}")


def check_chain(report, chain):
    name = chain["name"]
    previous_hash = GENESIS_PREV
    for i, event in enumerate(chain["events"]):
        where = f"chain {name!r} seq {event.get('seq')}"
        fields_ok = (
            isinstance(event.get("seq"), int)
            and not isinstance(event.get("seq"), bool)
            and event["seq"] == i + 1
            and isinstance(event.get("at"), int)
            and not isinstance(event.get("at"), bool)
            and 0 <= event["at"] <= MAX_SAFE
            and isinstance(event.get("actor"), str)
            and bool(ACTOR.match(event["actor"]))
            and isinstance(event.get("type"), str)
            and bool(EVENT_TYPE.match(event["type"]))
            and isinstance(event.get("payload"), dict)
        )
        report.check(f"{where}: seq is {i + 1}, fields well-formed", fields_ok, json.dumps(
            {k: event.get(k) for k in ("seq", "at", "actor", "type")}, ensure_ascii=False))
        report.check(f"{where}: prev links to the previous hash", event.get("prev") == previous_hash,
                     f"prev {event.get('prev')}, expected {previous_hash}")
        try:
            text = event_canonical(event)
            got = event_hash(event["prev"], event)
        except (Rejected, ValueError, KeyError) as e:
            report.check(f"{where}: hash", False, str(e))
            previous_hash = event.get("hash")
            continue
        if "canonical" in event:
            report.check(f"{where}: canonical text", text == event["canonical"],
                         f"got {text!r}, expected {event['canonical']!r}")
        report.check(f"{where}: hash", got == event.get("hash"), f"got {got}, stored {event.get('hash')}")
        previous_hash = event.get("hash")


def main(argv):
    path = argv[1] if len(argv) > 1 else "docs/audit-vectors.json"
    try:
        sys.stdout.reconfigure(errors="backslashreplace")
    except AttributeError:
        pass
    try:
        with open(path, encoding="utf-8") as f:
            vectors = json.load(f, object_pairs_hook=no_duplicates, parse_constant=reject_constant)
    except (OSError, ValueError) as e:
        print(f"cannot read {path}: {e}", file=sys.stderr)
        return 2

    report = Report()
    report.check("format is laurel-audit-vectors version 0",
                 vectors.get("format") == "laurel-audit-vectors" and vectors.get("version") == 0)
    report.check("genesis prev is 64 zeros", vectors.get("genesisPrev") == GENESIS_PREV)
    check_canonical(report, vectors.get("canonical", []))
    check_rejects(report, vectors.get("canonicalRejects", []))
    check_commitments(report, vectors.get("commitments", []))
    for chain in vectors.get("chains", []):
        check_chain(report, chain)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
