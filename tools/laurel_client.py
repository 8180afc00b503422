#!/usr/bin/env python3
"""An outside client of Laurel's public vote: verify, cast ballots, keep the receipts, and check them.

Written from docs/api.md, docs/audit.md (canonical JSON, section 2; receipts, leaves, the tree, proofs and
checkpoints, sections 8 to 13) and the server's /openapi.json, with the Python 3 standard library only. It trusts
nothing the server computes: trackers, leaf hashes and both kinds of proof are recomputed or verified here.

Usage:

  python3 tools/laurel_client.py --base URL --award SLUG vote --email ADDRESS [--dev-outbox]
                                 [--category SLUG[=NOMINEE]]... [--state FILE]
  python3 tools/laurel_client.py --base URL --award SLUG check [--state FILE] [--receipt RECEIPT]... [--tamper]

vote   Verifies ADDRESS by the award's email method: asks for a code, reads it from the development outbox
       (GET /dev/outbox/latest?to=ADDRESS) with --dev-outbox, or else asks for the code from the mail on the
       terminal. Then casts one ballot in each category named by --category (every category of the award when
       none is named) for the nominee given after `=`, or a random listed nominee, each with a fresh random form
       nonce. It sends the first ballot again with the same nonce and expects 200 and the same receipt; under
       the `final` vote-change rule it expects a second ballot with a new nonce to be refused (409
       already-voted). The receipts, with the category and nominee they are for, are added to the state file
       (default laurel-receipts.json).
check  Checks the receipts of the state file and any --receipt given: recomputes each tracker from its receipt
       (SHA-256 of the 32 canonical characters), fetches the receipt check (GET .../receipts/RECEIPT), compares
       the ballot with the choice, recomputes the leaf hash from {tracker, category, nominee} with this file's
       canonical JSON, verifies the inclusion proof with the RFC 9162 algorithm against the root of the
       checkpoint listed by GET .../checkpoints, and verifies the consistency proof between every two
       consecutive checkpoints. A ballot not yet in a checkpoint fails the check (it is pending, not proven).
       --tamper flips one byte of each inclusion proof's path (of its root when the path is empty) before
       verifying, to see the check fail.

Every check prints one line, "ok    ..." or "FAIL  ...". The exit status is 0 when every check passed, 1 when any
failed, 2 on a usage error.

Example against a development server (npm start, no SMTP_URL, so /dev/outbox is on):

  python3 tools/laurel_client.py --award stem4all-2024 vote --email me@example.org --dev-outbox
  python3 tools/laurel_client.py --award stem4all-2024 check
"""

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

HEX64 = re.compile(r"[0-9a-f]{64}\Z")
RECEIPT_ALPHABET = set("abcdefghijklmnopqrstuvwxyz234567")
GROUPED_RECEIPT = re.compile(r"[a-z2-7]{4}(?:-[a-z2-7]{4}){7}\Z")
CODE = re.compile(r"(\d{3}) (\d{3})")
MAX_SAFE = 2**53 - 1


class Report:
    """Prints one line per check and remembers whether any failed."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what}{': ' + detail if detail else ''}")
        sys.stdout.flush()
        return ok


class Api:
    """JSON over HTTP: every call returns (status, parsed body or None); connection errors become status 0."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, body=None, token=None, query=None):
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        if token:
            headers["authorization"] = "Bearer " + token
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, parse_json(response.read())
        except urllib.error.HTTPError as err:
            return err.code, parse_json(err.read())
        except (urllib.error.URLError, OSError) as err:
            return 0, {"detail": str(err)}


def parse_json(raw):
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def problem(status, body):
    """A short description of an unexpected answer (problem+json carries `code` and `detail`)."""
    if isinstance(body, dict) and ("code" in body or "detail" in body):
        return f"HTTP {status} {body.get('code', '')}: {body.get('detail', '')}".strip()
    return f"HTTP {status}"


# ---------------------------------------------------------------- canonical JSON (docs/audit.md section 2)

SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def canonical_string(s):
    out = ['"']
    for ch in s:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError("a lone surrogate has no UTF-8 form")
        if ch in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[ch])
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical_json(value):
    """RFC 8785 over Laurel's subset: no whitespace, members sorted by UTF-16 code units, integers only."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE:
            raise ValueError("integer outside the safe range")
        return str(value)
    if isinstance(value, float):
        raise ValueError("hashed JSON holds no fractional numbers")
    if isinstance(value, str):
        return canonical_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        # UTF-16 big-endian bytes compare as the sequence of UTF-16 code units.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(canonical_string(k) + ":" + canonical_json(value[k]) for k in keys) + "}"
    raise ValueError(f"not JSON data: {type(value).__name__}")


# ---------------------------------------------------------------- receipts, leaves, the tree (sections 8 to 11)


def read_receipt(text):
    """Section 8.2: drop white space and dashes, lowercase, exactly 32 base32 characters; else None."""
    canonical = "".join(ch for ch in text if not ch.isspace() and ch != "-").lower()
    if len(canonical) != 32 or not set(canonical) <= RECEIPT_ALPHABET:
        return None
    return canonical


def tracker_of(canonical_receipt):
    return hashlib.sha256(canonical_receipt.encode("utf-8")).hexdigest()


def leaf_hash(tracker, category, nominee):
    text = canonical_json({"tracker": tracker, "category": category, "nominee": nominee})
    return hashlib.sha256(b"\x00" + text.encode("utf-8")).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def hash_bytes(h):
    if not isinstance(h, str) or not HEX64.match(h):
        return None
    return bytes.fromhex(h)


def verify_inclusion(leaf, index, size, path, root):
    """Section 11.1 (RFC 9162 2.1.3.2)."""
    nodes = [hash_bytes(p) for p in path]
    expected = hash_bytes(root)
    if expected is None or any(n is None for n in nodes):
        return False
    if not (isinstance(index, int) and isinstance(size, int)) or index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in nodes:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            r = node(r, p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == expected


def verify_consistency(m, n, first_root, second_root, path):
    """Section 11.2 (RFC 9162 2.1.4.2), with Laurel's cases m = 0 and m = n."""
    first, second = hash_bytes(first_root), hash_bytes(second_root)
    nodes = [hash_bytes(p) for p in path]
    if first is None or second is None or any(x is None for x in nodes):
        return False
    if not (isinstance(m, int) and isinstance(n, int)) or m < 0 or m > n:
        return False
    if m == 0:
        return not nodes and first == hashlib.sha256(b"").digest()
    if m == n:
        return not nodes and first == second
    if not nodes:
        return False
    if m & (m - 1) == 0:
        nodes = [first] + nodes
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            sr = node(sr, c)
        fn //= 2
        sn //= 2
    return sn == 0 and fr == first and sr == second


def flip_one_byte(hex_hash):
    raw = bytearray(bytes.fromhex(hex_hash))
    raw[0] ^= 0x01
    return raw.hex()


# ---------------------------------------------------------------- vote


def award_categories(award):
    """[(category, [listed nominees])] from GET /api/ceremonies/{slug}."""
    out = []
    for track in award.get("tracks", []):
        for category in track.get("categories", []):
            nominees = [n for n in category.get("nominees", []) if n.get("status", "accepted") == "accepted"]
            out.append((category, nominees))
    return out


def find(items, key):
    return next((x for x in items if key in (x.get("id"), x.get("slug"))), None)


def read_code(api, report, email, dev_outbox):
    if not dev_outbox:
        return input(f"The code mailed to {email}: ").replace(" ", "").strip()
    status, mail = api.call("GET", "/dev/outbox/latest", query={"to": email})
    found = status == 200 and isinstance(mail, dict)
    if not report.check(found, "the code mail is in the dev outbox", problem(status, mail)):
        return None
    match = CODE.search(mail.get("text") or "")
    if not report.check(match is not None and mail.get("kind") == "voter-code", "the mail holds a six-digit code"):
        return None
    return match.group(1) + match.group(2)


def load_state(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def vote(api, report, args):
    slug = urllib.parse.quote(args.award, safe="")
    status, award = api.call("GET", f"/api/ceremonies/{slug}")
    if not report.check(status == 200, f"award {args.award} is published", problem(status, award)):
        return
    report.check(award.get("phase") == "voting", "the award is in its voting phase", f"phase is {award.get('phase')}")
    categories = award_categories(award)
    wanted = []
    for spec in args.category or [c["slug"] for c, _ in categories]:
        name, _, nominee_name = spec.partition("=")
        entry = next(((c, ns) for c, ns in categories if name in (c.get("id"), c.get("slug"))), None)
        if not report.check(entry is not None, f"category {name} is on the ballot"):
            return
        category, nominees = entry
        nominee = find(nominees, nominee_name) if nominee_name else (random.choice(nominees) if nominees else None)
        if not report.check(nominee is not None, f"nominee {nominee_name or '(any)'} is listed in {name}"):
            return
        wanted.append((category, nominee, nominees))

    status, body = api.call("POST", f"/api/ceremonies/{slug}/verify/email", {"email": args.email})
    if not report.check(status == 202, f"a code is mailed to {args.email}", problem(status, body)):
        return
    code = read_code(api, report, args.email, args.dev_outbox)
    if not code:
        return
    status, body = api.call("POST", f"/api/ceremonies/{slug}/verify/email/code", {"email": args.email, "code": code})
    verified = status == 200 and bool((body or {}).get("token"))
    if not report.check(verified, "the code gives a voter token", problem(status, body)):
        return
    token = body["token"]

    cast = []
    for category, nominee, _ in wanted:
        nonce = secrets.token_urlsafe(24)
        choice = {"category": category["slug"], "nominee": nominee["slug"], "nonce": nonce}
        status, body = api.call("POST", f"/api/ceremonies/{slug}/ballots", choice, token)
        what = f"ballot for {nominee['slug']} in {category['slug']}"
        recorded = status == 201 and isinstance(body, dict)
        if not report.check(recorded, f"{what} is recorded (201)", problem(status, body)):
            continue
        receipt = body.get("receipt", "")
        canonical = read_receipt(receipt)
        report.check(GROUPED_RECEIPT.match(receipt) is not None, f"receipt {receipt} is 8 groups of 4")
        report.check(
            canonical is not None and tracker_of(canonical) == body.get("tracker"),
            "its tracker is SHA-256 of the receipt",
        )
        report.check(
            body.get("category") == category["id"] and body.get("nominee") == nominee["id"],
            "the answer names the category and nominee chosen",
        )
        cast.append(
            {
                "receipt": receipt,
                "tracker": body.get("tracker"),
                "category": category["id"],
                "nominee": nominee["id"],
                "choice": choice,
            }
        )

    if cast:
        first = cast[0]
        status, body = api.call("POST", f"/api/ceremonies/{slug}/ballots", first["choice"], token)
        report.check(
            status == 200 and (body or {}).get("receipt") == first["receipt"] and body.get("outcome") == "repeat",
            "the same form again (same nonce) answers 200 with the same receipt",
            problem(status, body) if status != 200 else f"receipt {(body or {}).get('receipt')}",
        )
        if award.get("rules", {}).get("voteChange", "final") == "final":
            others = [n for n in wanted[0][2] if n["id"] != first["nominee"]] or wanted[0][2]
            again = dict(first["choice"], nominee=others[0]["slug"], nonce=secrets.token_urlsafe(24))
            status, body = api.call("POST", f"/api/ceremonies/{slug}/ballots", again, token)
            report.check(
                status == 409 and (body or {}).get("code") == "already-voted",
                "a second ballot in the same category is refused (409 already-voted)",
                problem(status, body),
            )
        status, body = api.call("GET", f"/api/ceremonies/{slug}/ballots/mine", token=token)
        report.check(
            status == 200 and set(c["category"] for c in cast) <= set((body or {}).get("categories", [])),
            "the voter's marks list the categories voted in",
            problem(status, body),
        )
        if args.dev_outbox:
            status, mail = api.call("GET", "/dev/outbox/latest", query={"to": args.email})
            mailed = status == 200 and (mail or {}).get("kind") == "receipt"
            report.check(
                mailed and cast[-1]["receipt"] in (mail.get("text") or ""),
                "the last receipt is mailed to the voter",
                problem(status, mail),
            )

    state = load_state(args.state)
    state.extend({k: v for k, v in c.items() if k != "choice"} for c in cast)
    with open(args.state, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
        f.write("\n")
    print(f"{len(cast)} receipt(s) kept in {args.state}")


# ---------------------------------------------------------------- check


def check(api, report, args):
    slug = urllib.parse.quote(args.award, safe="")
    receipts = [r for r in load_state(args.state)] + [{"receipt": r} for r in args.receipt or []]
    report.check(len(receipts) > 0, "there are receipts to check")

    status, body = api.call("GET", f"/api/ceremonies/{slug}/checkpoints")
    if not report.check(status == 200 and isinstance(body, dict), "the checkpoints are listed", problem(status, body)):
        return
    checkpoints = body.get("checkpoints", [])
    by_batch = {c.get("batch"): c for c in checkpoints}
    report.check(
        [c.get("batch") for c in checkpoints] == list(range(1, len(checkpoints) + 1)),
        f"checkpoints are numbered 1 to {len(checkpoints)} without gaps",
    )
    report.check(
        all(HEX64.match(str(c.get("root"))) for c in checkpoints)
        and all(a["treeSize"] <= b["treeSize"] for a, b in zip(checkpoints, checkpoints[1:]))
        and not any(c.get("closing") for c in checkpoints[:-1]),
        "roots are hashes, tree sizes never shrink, only the last checkpoint may be the closing one",
    )
    for a, b in zip(checkpoints, checkpoints[1:]):
        status, proof = api.call(
            "GET", f"/api/ceremonies/{slug}/checkpoints/consistency", query={"first": a["batch"], "second": b["batch"]}
        )
        what = f"checkpoint {b['batch']} (size {b['treeSize']}) extends checkpoint {a['batch']} (size {a['treeSize']})"
        if status != 200 or not isinstance(proof, dict):
            report.check(False, what, problem(status, proof))
            continue
        report.check(
            proof.get("first") == a["treeSize"]
            and proof.get("second") == b["treeSize"]
            and proof.get("firstRoot") == a["root"]
            and proof.get("secondRoot") == b["root"]
            and verify_consistency(a["treeSize"], b["treeSize"], a["root"], b["root"], proof.get("path", [])),
            what,
            "the consistency proof does not verify against the listed roots",
        )

    for entry in receipts:
        receipt = entry["receipt"]
        canonical = read_receipt(receipt)
        if not report.check(canonical is not None, f"{receipt} reads as a receipt"):
            continue
        tracker = tracker_of(canonical)
        if entry.get("tracker"):
            report.check(tracker == entry["tracker"], f"{receipt}: its tracker is the one given when it was cast")
        status, ballot = api.call("GET", f"/api/ceremonies/{slug}/receipts/{urllib.parse.quote(receipt)}")
        found = status == 200 and isinstance(ballot, dict)
        if not report.check(found, f"{receipt}: the ballot is found", problem(status, ballot)):
            continue
        report.check(ballot.get("tracker") == tracker, f"{receipt}: the ballot is stored under SHA-256 of the receipt")
        if entry.get("category"):
            report.check(
                ballot.get("category") == entry["category"] and ballot.get("nominee") == entry["nominee"],
                f"{receipt}: the ballot is for the nominee chosen",
                f"stored {ballot.get('category')}/{ballot.get('nominee')}",
            )
        status = ballot.get("status")
        report.check(status == "counted", f"{receipt}: the ballot counts", f"its status is {status}")
        proof = ballot.get("proof")
        in_log = proof is not None
        if not report.check(in_log, f"{receipt}: the ballot is in the log", "pending until the next checkpoint"):
            continue
        listed = by_batch.get(proof.get("checkpoint"))
        report.check(
            listed is not None and listed["treeSize"] == proof.get("treeSize") and listed["root"] == proof.get("root"),
            f"{receipt}: the proof is against listed checkpoint {proof.get('checkpoint')}",
        )
        report.check(
            isinstance(ballot.get("batch"), int) and ballot["batch"] <= proof.get("checkpoint", 0),
            f"{receipt}: appended in batch {ballot.get('batch')}, at or before that checkpoint",
        )
        path = list(proof.get("path", []))
        root = listed["root"] if listed else proof.get("root")
        if args.tamper:
            if path:
                path[0] = flip_one_byte(path[0])
            else:
                root = flip_one_byte(root)
        leaf = leaf_hash(tracker, ballot.get("category"), ballot.get("nominee"))
        report.check(
            verify_inclusion(leaf, proof.get("leafIndex"), proof.get("treeSize"), path, root),
            f"{receipt}: inclusion proof verifies (leaf {proof.get('leafIndex')} of {proof.get('treeSize')})",
            "the path does not lead to the checkpoint's root",
        )


def main(argv):
    parser = argparse.ArgumentParser(
        description="Cast ballots through Laurel's API and check the receipts and the ballot log.",
        epilog="See the top of this file for what each step checks.",
    )
    parser.add_argument("--base", default="http://localhost:3000", help="the server (default http://localhost:3000)")
    parser.add_argument("--award", required=True, help="the award's slug")
    steps = parser.add_subparsers(dest="step", required=True)
    v = steps.add_parser("vote", help="verify by email code and cast ballots")
    v.add_argument("--email", required=True)
    v.add_argument("--dev-outbox", action="store_true", help="read the code from the server's dev outbox")
    v.add_argument("--category", action="append", metavar="SLUG[=NOMINEE]", help="vote in this category (repeatable)")
    v.add_argument("--state", default="laurel-receipts.json", help="where receipts are kept")
    c = steps.add_parser("check", help="check receipts, proofs and checkpoints")
    c.add_argument("--state", default="laurel-receipts.json", help="receipts kept by vote")
    c.add_argument("--receipt", action="append", help="another receipt to check (repeatable)")
    c.add_argument("--tamper", action="store_true", help="flip one byte of each inclusion proof (must then fail)")
    args = parser.parse_args(argv)

    api = Api(args.base)
    report = Report()
    (vote if args.step == "vote" else check)(api, report, args)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed or report.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
