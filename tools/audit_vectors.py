#!/usr/bin/env python3
"""Independent check of Laurel's audit format test vectors (version 0 and version 1, the ballot log).

Written from docs/audit.md alone (Python 3 standard library only): recomputes every canonical JSON form, every
rejection, every commitment, and every event hash and chain link in docs/audit-vectors.json; and, for version 1,
every receipt, tracker, leaf, Merkle root, inclusion and consistency proof (generated from the RFC 9162 definitions
and verified with the RFC 9162 verification algorithms) and checkpoint. Prints one line per check and
"N passed, M failed" at the end, and exits 1 on any mismatch (2 when the file cannot be read).

Usage: python3 tools/audit_vectors.py [docs/audit-vectors.json]
"""

import base64
import hashlib
import os
import hmac
import json
import re
import sys

MAX_SAFE = 2**53 - 1
GENESIS_PREV = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
ACTOR = re.compile(r"(?:system|cli|bootstrap|scheduler|(?:organizer|juror):p_[0-9a-f]{16})\Z")
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\Z")

RECEIPT = re.compile(r"[a-z2-7]{32}\Z")
GROUPED_RECEIPT = re.compile(r"[a-z2-7]{4}(?:-[a-z2-7]{4}){7}\Z")
CHECKPOINT_KEYS = {"batch", "treeSize", "root", "leaves", "voided", "superseded", "restored"}

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


# ---------------------------------------------------------------------------------------------------------------
# Version 1: the ballot log
# ---------------------------------------------------------------------------------------------------------------


def receipt_of(key_hex, person_key, category, nonce):
    """(20 receipt bytes, canonical text, grouped text) for the inputs, as docs/audit.md version 1 defines them."""
    for field in (person_key, category, nonce):
        if not field or "\n" in field:
            raise ValueError("receipt fields must be non-empty and free of line feeds")
    message = f"{person_key}\n{category}\n{nonce}".encode("utf-8")
    raw = hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).digest()[:20]
    canonical_text = base64.b32encode(raw).decode("ascii").lower()  # 160 bits: 32 characters, no padding
    grouped = "-".join(canonical_text[i:i + 4] for i in range(0, 32, 4))
    return raw, canonical_text, grouped


def parse_receipt(text):
    """The canonical receipt of typed text: case ignored, whitespace and dashes dropped; None if not a receipt."""
    compact = re.sub(r"[\s-]+", "", text).lower()
    return compact if RECEIPT.match(compact) else None


def tracker_of(canonical_text):
    return sha256_hex(canonical_text.encode("ascii"))


def leaf_text(leaf):
    if set(leaf) != {"tracker", "category", "nominee"}:
        raise ValueError("a leaf has exactly tracker, category and nominee")
    if not HEX64.match(leaf["tracker"]):
        raise ValueError("tracker is not 64 lowercase hex digits")
    return canonical({"tracker": leaf["tracker"], "category": leaf["category"], "nominee": leaf["nominee"]})


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf_text(leaf).encode("utf-8")).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d):
    """RFC 9162 2.1.1 Merkle Tree Hash of a list of leaf hashes."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = split(n)
    return node(mth(d[:k]), mth(d[k:]))


def path(m, d):
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    n = len(d)
    if n <= 1:
        return []
    k = split(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def consistency_path(m, d):
    """PROOF(m, D[n]); Laurel's proof is empty for m = 0 and m = n."""
    if m == 0 or m == len(d):
        return []
    return subproof(m, d, True)


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 2.1.4.2, with Laurel's cases m = 0 (empty proof, empty tree's root) and m = n (equal roots)."""
    if first > second:
        return False
    if first == 0:
        return not proof and first_root == hashlib.sha256(b"").digest()
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    proof = list(proof)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def flipped(h):
    return h[:-1] + bytes([h[-1] ^ 1])


def check_receipts(report, cases):
    for case in cases:
        label = f"receipt: {case['name']}"
        try:
            raw, text, grouped = receipt_of(case["key"], case["personKey"], case["category"], case["nonce"])
        except (ValueError, KeyError) as e:
            report.check(label, False, str(e))
            continue
        report.check(f"{label}: 20 bytes", raw.hex() == case["bytes"], f"got {raw.hex()}, expected {case['bytes']}")
        report.check(f"{label}: canonical", text == case["canonical"], f"got {text}, expected {case['canonical']}")
        report.check(f"{label}: grouped", grouped == case["receipt"] and bool(GROUPED_RECEIPT.match(grouped)),
                     f"got {grouped}, expected {case['receipt']}")
        report.check(f"{label}: tracker", tracker_of(text) == case["tracker"],
                     f"got {tracker_of(text)}, expected {case['tracker']}")


def check_receipt_parsing(report, cases):
    for case in cases:
        got = parse_receipt(case["input"])
        report.check(f"receipt parsing: {case['input']!r}", got == case["canonical"],
                     f"got {got!r}, expected {case['canonical']!r}")


def check_leaves(report, cases):
    for case in cases:
        label = f"leaf: {case['name']}"
        try:
            text = leaf_text(case["leaf"])
            got = leaf_hash(case["leaf"]).hex()
        except (Rejected, ValueError, KeyError) as e:
            report.check(label, False, str(e))
            continue
        report.check(f"{label}: canonical", text == case["canonical"], f"got {text!r}, expected {case['canonical']!r}")
        report.check(f"{label}: leaf hash", got == case["leafHash"], f"got {got}, expected {case['leafHash']}")


def check_inclusion(report, d, case, label):
    size, index = case["treeSize"], case["leafIndex"]
    expected_path = [bytes.fromhex(h) for h in case["path"]]
    root = bytes.fromhex(case["root"])
    report.check(f"{label}: root", mth(d[:size]) == root)
    report.check(f"{label}: leaf hash", d[index].hex() == case["leafHash"])
    report.check(f"{label}: path is PATH({index}, D[{size}])", path(index, d[:size]) == expected_path,
                 f"got {[h.hex() for h in path(index, d[:size])]}")
    leaf = bytes.fromhex(case["leafHash"])
    report.check(f"{label}: verifies", verify_inclusion(leaf, index, size, expected_path, root))
    tampered = []
    if size > 1:
        tampered.append(("wrong index", verify_inclusion(leaf, (index + 1) % size, size, expected_path, root)))
        tampered.append(("changed sibling",
                         verify_inclusion(leaf, index, size, [flipped(expected_path[0])] + expected_path[1:], root)))
    tampered.append(("wrong root", verify_inclusion(leaf, index, size, expected_path, flipped(root))))
    if size < len(d):
        tampered.append(("larger tree", verify_inclusion(leaf, index, size + 1, expected_path, mth(d[:size + 1]))))
    if len(expected_path) >= 2:
        swapped = [expected_path[1], expected_path[0]] + expected_path[2:]
        tampered.append(("swapped siblings", verify_inclusion(leaf, index, size, swapped, root)))
    report.check(f"{label}: tampered proofs refused ({', '.join(w for w, _ in tampered)})",
                 not any(ok for _, ok in tampered), ", ".join(w for w, ok in tampered if ok))


def check_consistency(report, d, case, label):
    first, second = case["first"], case["second"]
    expected_path = [bytes.fromhex(h) for h in case["path"]]
    first_root, second_root = bytes.fromhex(case["firstRoot"]), bytes.fromhex(case["secondRoot"])
    report.check(f"{label}: roots", mth(d[:first]) == first_root and mth(d[:second]) == second_root)
    got = consistency_path(first, d[:second])
    report.check(f"{label}: path is PROOF({first}, D[{second}])", got == expected_path, f"got {[h.hex() for h in got]}")
    report.check(f"{label}: verifies", verify_consistency(first, second, first_root, second_root, expected_path))
    tampered = [("extra node", verify_consistency(first, second, first_root, second_root,
                                                  expected_path + [second_root]))]
    if 0 < first < second:
        tampered.append(("wrong first root",
                         verify_consistency(first, second, flipped(first_root), second_root, expected_path)))
        tampered.append(("wrong second root",
                         verify_consistency(first, second, first_root, flipped(second_root), expected_path)))
        tampered.append(("changed node", verify_consistency(first, second, first_root, second_root,
                                                            [flipped(expected_path[0])] + expected_path[1:])))
        tampered.append(("missing node",
                         verify_consistency(first, second, first_root, second_root, expected_path[:-1])))
    if len(expected_path) >= 2:
        swapped = [expected_path[1], expected_path[0]] + expected_path[2:]
        tampered.append(("swapped nodes", verify_consistency(first, second, first_root, second_root, swapped)))
    report.check(f"{label}: tampered proofs refused ({', '.join(w for w, _ in tampered)})",
                 not any(ok for _, ok in tampered), ", ".join(w for w, ok in tampered if ok))


def check_trees(report, trees):
    d = []
    for i, entry in enumerate(trees["leaves"]):
        h = leaf_hash(entry["leaf"])
        report.check(f"tree leaf {i}: leaf hash", h.hex() == entry["leafHash"],
                     f"got {h.hex()}, expected {entry['leafHash']}")
        d.append(h)
    for entry in trees["roots"]:
        got = mth(d[:entry["size"]]).hex()
        report.check(f"tree root of size {entry['size']}", got == entry["root"], f"got {got}, expected {entry['root']}")
    for case in trees["inclusion"]:
        check_inclusion(report, d, case, f"inclusion of leaf {case['leafIndex']} in size {case['treeSize']}")
    for case in trees["consistency"]:
        check_consistency(report, d, case, f"consistency of size {case['first']} with size {case['second']}")


def check_checkpoints(report, checkpoints):
    """Replays the checkpoints as an auditor does: each batch sorted, appended, and consistent with the last."""
    d = []
    seen = set()
    previous = (0, hashlib.sha256(b"").digest())
    events = checkpoints["events"]
    for i, (batch, event, proof) in enumerate(zip(checkpoints["batches"], events, checkpoints["consistency"])):
        label = f"checkpoint {i + 1}"
        payload = event["payload"]
        trackers = [leaf["tracker"] for leaf in batch["leaves"]]
        closing = i == len(events) - 1
        keys_ok = set(payload) == CHECKPOINT_KEYS | ({"closing"} if closing else set())
        report.check(f"{label}: type and members", event["type"] == "ballots.checkpoint" and keys_ok
                     and (payload.get("closing") is True) == closing, json.dumps(sorted(payload)))
        report.check(f"{label}: batch number {i + 1}", payload["batch"] == i + 1)
        report.check(f"{label}: leaves sorted by tracker, new trackers",
                     trackers == sorted(trackers) and not seen & set(trackers) and len(set(trackers)) == len(trackers))
        for name in ("voided", "superseded", "restored"):
            report.check(f"{label}: {name} sorted and already in the log",
                         payload[name] == sorted(payload[name]) and set(payload[name]) <= seen | set(trackers))
        seen |= set(trackers)
        d.extend(leaf_hash(leaf) for leaf in batch["leaves"])
        root = mth(d)
        report.check(f"{label}: leaves {payload['leaves']} and tree size {payload['treeSize']}",
                     payload["leaves"] == len(trackers) and payload["treeSize"] == len(d) == previous[0] + len(trackers))
        report.check(f"{label}: root", payload["root"] == root.hex(), f"got {root.hex()}, event has {payload['root']}")
        proof_path = [bytes.fromhex(h) for h in proof["path"]]
        report.check(f"{label}: extends checkpoint {i} (consistency {previous[0]} -> {len(d)})",
                     proof["first"] == previous[0] and proof["second"] == len(d)
                     and proof["firstRoot"] == previous[1].hex() and proof["secondRoot"] == payload["root"]
                     and verify_consistency(previous[0], len(d), previous[1], root, proof_path))
        previous = (len(d), root)


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


def check_jury_commitments(report, cases):
    """Section 16: the value is the canonical JSON of the sheet object, committed as in section 4."""
    for case in cases:
        label = f"jury commitment: {case['name']}"
        try:
            text = canonical(case["object"])
        except Rejected as e:
            report.check(label, False, f"object not canonicalizable at {e.path}")
            continue
        report.check(f"{label}: value is the canonical JSON", text == case["value"],
                     f"got {text!r}, expected {case['value']!r}")
        report.check(f"{label}: commitment", commitment(case["salt"], text) == case["commitment"])


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_results(report, cases):
    """Section 18: the document's canonical JSON, its hash, and the compact JWS (EdDSA) over exactly that text."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ed25519

    for case in cases:
        label = f"results: {case['name']}"
        text = canonical(case["document"])
        report.check(f"{label}: canonical JSON", text == case["canonical"])
        report.check(f"{label}: hash", sha256_hex(text.encode("utf-8")) == case["hash"])
        jwk = case["jwk"]
        thumbprint_input = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
        kid = base64.urlsafe_b64encode(hashlib.sha256(thumbprint_input.encode()).digest()).rstrip(b"=").decode()
        report.check(f"{label}: kid is the RFC 7638 thumbprint", kid == jwk["kid"], f"got {kid}")
        head, payload, signature = case["jws"].split(".")
        header = json.loads(b64url_decode(head))
        report.check(f"{label}: JWS header", header == {"alg": "EdDSA", "kid": jwk["kid"], "typ": "laurel-results+jws", "cty": "json"},
                     json.dumps(header))
        report.check(f"{label}: JWS payload is the canonical text", b64url_decode(payload).decode("utf-8") == text)
        public = b64url_decode(jwk["x"])
        signed = f"{head}.{payload}".encode("ascii")
        sig = b64url_decode(signature)
        report.check(f"{label}: Ed25519 signature verifies", ed25519.verify(public, signed, sig))
        forged = bytes([sig[0] ^ 1]) + sig[1:]
        report.check(f"{label}: a changed signature does not", not ed25519.verify(public, signed, forged))


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
    check_jury_commitments(report, vectors.get("juryCommitments", []))
    for chain in vectors.get("chains", []):
        check_chain(report, chain)
    check_receipts(report, vectors.get("receipts", []))
    check_receipt_parsing(report, vectors.get("receiptParsing", []))
    check_leaves(report, vectors.get("leaves", []))
    if "trees" in vectors:
        check_trees(report, vectors["trees"])
    if "checkpoints" in vectors:
        check_checkpoints(report, vectors["checkpoints"])
    check_results(report, vectors.get("results", []))
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
