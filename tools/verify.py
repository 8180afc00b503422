#!/usr/bin/env python3
"""Laurel's independent verifier (Python 3 standard library only).

Usage:
  python3 tools/verify.py tally [--json] FILE...
  python3 tools/verify.py bundle [--witness SEQ:HASH]... [--json] BUNDLE

`tally` recounts every FILE with tools/laurel_tally.py, a second implementation of the tally written from the
documentation (../shared/vectors/README.md "The rules, exactly", docs/tally.md, docs/audit.md sections 17-18), and
compares the whole published result with the recount. A FILE is one of:

  - a tally vector (the neutral input with an `expected` block), as in ../shared/vectors/tally/;
  - a results document (`format` "laurel-results/1"): its `input` is recounted and compared with its `result`;
  - the answer of GET /api/ceremonies/{slug}/results ({version, hash, jws, document}): the document as above, and
    `hash` must be the SHA-256 of the document's canonical JSON (docs/audit.md sections 2 and 18);
  - docs/audit-vectors.json: every `results[*].document`.

One line per file, "ok  FILE" or "FAIL FILE", the latter followed by each differing path with the published
value and the recount's. Exit status: 0 when every file agrees, 1 on any difference, 2 when a file cannot be read
or its input is refused (the reason is printed under its FAIL line).

--json prints the recount instead, on standard output (the ok/FAIL lines then go to standard error): the result
itself for a single recount, else a list of {"file", "at", "result"}. With --json a FILE may also be a bare
input without `expected`, which is recounted and not compared.

`bundle` verifies an award's audit bundle (docs/audit.md sections 19-21, written from that text): BUNDLE is the
JSON form or the NDJSON form (read line by line). It runs every check of section 21, in its order (format, chain,
witness, rules, lot, checkpoints, ballot-log, reviews, flags, disclosures, finalists, signature, versions, input,
recount), on the award's state replayed from its chain (section 20), and does not stop at the first failure. One
line per passing check, "ok   CHECK: summary", and one per problem, "FAIL CHECK: what and where" (at most 50 per
check, then a count), then "N checks passed, M failed". Each --witness SEQ:HASH is an event head held from
elsewhere (printed at the ceremony, or cited by a signed document whose key you trust); without one the chain is
only shown consistent with itself. Exit status: 0 when every check passes, 1 on any failure, 2 when the file
cannot be read at all. --json prints {"ok", "checks": [{"check", "ok", "detail"}]} instead, one entry per line.

Both reuse tools/audit_vectors.py (canonical JSON, hashes, the Merkle tree), tools/ed25519.py (signatures) and
tools/laurel_tally.py (the tally and its finalist rule).
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import audit_vectors  # noqa: E402  (needs the path above)
import ed25519  # noqa: E402
import laurel_tally  # noqa: E402

MISSING = "(missing)"


class Unreadable(Exception):
    """A file that is not JSON, or not one of the shapes `tally` reads."""


def read_json(path):
    """The file's JSON, refusing duplicate members and NaN/Infinity like the other audit tools."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, object_pairs_hook=audit_vectors.no_duplicates,
                             parse_constant=audit_vectors.reject_constant)
    except (OSError, ValueError) as e:
        raise Unreadable(f"cannot read: {e}") from e


def recounts(data):
    """What a file asks to recount: [(where the input sits, the input, where the result sits, the result)].

    The places are path prefixes ("" for a vector, whose input is the file itself); the result is None when
    the file publishes none.
    """
    if not isinstance(data, dict):
        raise Unreadable("not a JSON object")
    if data.get("format") == "laurel-results/1":
        return [document_recount("", data)]
    if isinstance(data.get("document"), dict) and "jws" in data:
        return [document_recount("document.", data["document"])]
    if isinstance(data.get("results"), list) and "categories" not in data:
        found = []
        for i, case in enumerate(data["results"]):
            if not isinstance(case, dict) or not isinstance(case.get("document"), dict):
                raise Unreadable(f"results[{i}] has no document")
            found.append(document_recount(f"results[{i}].document.", case["document"]))
        return found
    if "categories" in data:
        return [("", data, "expected", data.get("expected"))]
    raise Unreadable("neither a tally vector, a results document, a results answer nor audit vectors")


def document_recount(at, document):
    return (f"{at}input.", document.get("input", {}), f"{at}result", document.get("result"))


def answer_hash(data):
    """A results answer's `hash` against its document (docs/audit.md section 18); [] when it agrees."""
    if not (isinstance(data.get("document"), dict) and "jws" in data and "hash" in data):
        return []
    try:
        text = audit_vectors.canonical(data["document"])
    except audit_vectors.Rejected as e:
        return [(str(e.path).replace("$", "document", 1), "canonical JSON", str(e))]
    got = audit_vectors.sha256_hex(text.encode("utf-8"))
    return [] if got == data["hash"] else [("hash", data["hash"], got)]


def differences(expected, got, path):
    """Every path where the recount differs from the published value: (path, published, recount).

    Objects are compared member by member whatever their order; lists element by element, in order. A JSON
    number and a string never agree (a count is a number, a rational a string), nor do true and 1.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        found = []
        for key in expected:
            where = audit_vectors.child(path, key)
            found += differences(expected[key], got[key], where) if key in got else [(where, expected[key], MISSING)]
        found += [(audit_vectors.child(path, key), MISSING, got[key]) for key in got if key not in expected]
        return found
    if isinstance(expected, list) and isinstance(got, list):
        found = []
        for i in range(max(len(expected), len(got))):
            where = f"{path}[{i}]"
            if i >= len(got):
                found.append((where, expected[i], MISSING))
            elif i >= len(expected):
                found.append((where, MISSING, got[i]))
            else:
                found += differences(expected[i], got[i], where)
        return found
    if type(expected) is not type(got) or expected != got:
        return [(path, expected, got)]
    return []


def shown(value):
    return value if value is MISSING else json.dumps(value, ensure_ascii=False)


def tally_command(args):
    out = sys.stderr if args.json else sys.stdout
    status = 0
    printed = []
    for name in args.files:
        try:
            data = read_json(name)
            found = answer_hash(data)
            for input_at, tally_input, at, published in recounts(data):
                if published is None and not args.json:
                    raise Unreadable(f"no {at} to compare the recount with")
                try:
                    result = laurel_tally.tally(tally_input)
                except laurel_tally.InputError as e:
                    raise Unreadable(f"input refused: {input_at}{e}") from e
                printed.append({"file": name, "at": at, "result": result})
                if published is not None:
                    found += differences(published, result, at)
        except Unreadable as e:
            print(f"FAIL {name}\n  {e}", file=out)
            status = 2
            continue
        if found:
            print(f"FAIL {name}", file=out)
            for where, published, recount in found:
                print(f"  {where}: published {shown(published)}, recount {shown(recount)}", file=out)
            status = max(status, 1)
        else:
            print(f"ok  {name}", file=out)
    if args.json:
        whole = printed[0]["result"] if len(printed) == 1 else printed
        print(json.dumps(whole, ensure_ascii=False, indent=2))
    return status


# ---------------------------------------------------------------------------------------------------------------
# bundle: the audit bundle (docs/audit.md sections 19-21)
# ---------------------------------------------------------------------------------------------------------------

BUNDLE_FORMAT = "laurel-bundle/1"
LISTS = ("events", "reviews", "disclosures", "ballots")
NDJSON_KINDS = {"event": "events", "review": "reviews", "disclosure": "disclosures", "ballot": "ballots"}
REVIEW_TYPES = {"ballots.flagged": "flagged", "ballots.voided": "voided", "ballots.restored": "counted"}
NOMINEE_STATUSES = {"accepted", "pending", "rejected", "withdrawn", "merged"}
JURY_COMMITMENTS = {  # event type -> the payload member holding a commitment the bundle opens (section 19.1)
    "jury.score.saved": "scoresCommitment",
    "jury.ranking.saved": "rankingCommitment",
    "jury.sheet.submitted": "sheetCommitment",
    "finalists.wildcard": "reasonCommitment",
}
CHECKS = ("format", "chain", "witness", "rules", "lot", "checkpoints", "ballot-log", "reviews", "flags",
          "disclosures", "finalists", "signature", "versions", "input", "recount")
MAX_LINES = 50  # FAIL lines printed per check; the rest are counted (a rewritten 1M-ballot log is one problem)
EMPTY_ROOT = hashlib.sha256(b"").digest()


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_hex64(value):
    return isinstance(value, str) and bool(audit_vectors.HEX64.match(value))


def sha256_text(value):
    """SHA-256 of the canonical JSON of a value, as hex (rulesHash, trackersHash, document hash)."""
    return audit_vectors.sha256_hex(audit_vectors.canonical(value).encode("utf-8"))


def payload(event):
    p = event.get("payload") if isinstance(event, dict) else None
    return p if isinstance(p, dict) else {}


def strings(value):
    """The strings of a list (a malformed member is ignored here and reported by `format`)."""
    return [x for x in value if isinstance(x, str)] if isinstance(value, list) else []


def hashable(value):
    """A value usable as a dict key or set member: scalars as they are, anything else as its JSON text."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    return json.dumps(value, sort_keys=True)


def well_formed_ballot(x):
    return isinstance(x, dict) and isinstance(x.get("tracker"), str) and isinstance(x.get("category"), str) \
        and isinstance(x.get("nominee"), str) and is_int(x.get("batch"))


def etype(event):
    """An event's type when it is a string (a malformed one is reported by `format`)."""
    t = event.get("type") if isinstance(event, dict) else None
    return t if isinstance(t, str) else None


def dicts(value):
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def short(h):
    return f"{h[:12]}…" if isinstance(h, str) and len(h) > 16 else repr(h)


def js_number(text):
    """A JSON number with a fraction or exponent, read as ECMAScript reads it (section 2.1): 1.0 is the integer 1."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= audit_vectors.MAX_SAFE else value


def parse_json(text):
    return json.loads(text, object_pairs_hook=audit_vectors.no_duplicates,
                      parse_constant=audit_vectors.reject_constant, parse_float=js_number)


def read_bundle(path):
    """(the bundle in its JSON form, problems found while reading it). Raises Unreadable when nothing can be read.

    Section 19.2: a file whose first line parses as a whole object with `format` and no `events` is NDJSON; it is
    read line by line and joined into the JSON form. A broken line in NDJSON is a `format` problem (a truncated
    download), not an unreadable file, so that the rest is still checked.
    """
    problems = []
    try:
        f = open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise Unreadable(f"cannot read: {e}") from e
    with f:
        try:
            first = f.readline()
            try:
                head = parse_json(first)
            except ValueError:
                head = None
            if not (isinstance(head, dict) and "format" in head and "events" not in head):
                f.seek(0)
                try:
                    return parse_json(f.read()), problems
                except ValueError as e:
                    raise Unreadable(f"not JSON: {e}") from e
            if not first.endswith("\n"):
                problems.append("line 1 does not end with a line feed")
            data = dict(head)
            for name in LISTS:
                if name in data:
                    problems.append(f"line 1 holds `{name}`, which NDJSON gives as lines")
                data[name] = []
            section = 0
            for number, line in enumerate(f, start=2):
                if not line.strip():
                    continue  # a blank line holds no value; `counts` still shows a missing one
                if not line.endswith("\n"):
                    problems.append(f"line {number} does not end with a line feed (truncated?)")
                try:
                    item = parse_json(line)
                except ValueError as e:
                    problems.append(f"line {number} is not JSON: {e}")
                    continue
                if not (isinstance(item, dict) and len(item) == 1 and next(iter(item)) in NDJSON_KINDS):
                    problems.append(f"line {number} is not one of {{event}}, {{review}}, {{disclosure}}, {{ballot}}")
                    continue
                kind, value = next(iter(item.items()))
                name = NDJSON_KINDS[kind]
                if LISTS.index(name) < section:
                    problems.append(f"line {number}: {'an' if kind == 'event' else 'a'} {kind} after the "
                                    f"{LISTS[section]} (section 19.2 order)")
                section = max(section, LISTS.index(name))
                data[name].append(value)
            return data, problems
        except UnicodeDecodeError as e:
            raise Unreadable(f"not UTF-8: {e}") from e


class Tree:
    """The ballot log's Merkle tree, appended leaf by leaf (docs/audit.md section 10, "Stored nodes").

    Only the right edge is kept: one perfect subtree per set bit of the size, largest first. Appending costs
    O(log n) amortized O(1) hashes and a root O(log n), so every checkpoint's root costs O(n) in all.
    """

    def __init__(self):
        self.edge = []  # [(leaves, hash)], sizes strictly decreasing
        self.size = 0

    def append(self, leaf):
        size, h = 1, leaf
        while self.edge and self.edge[-1][0] == size:
            _, left = self.edge.pop()
            size, h = size * 2, audit_vectors.node(left, h)
        self.edge.append((size, h))
        self.size += 1

    def root(self):
        # MTH(D[n]) = node(MTH of the first perfect subtree, MTH of the rest): fold the edge from the right.
        if not self.edge:
            return EMPTY_ROOT
        h = self.edge[-1][1]
        for _, left in reversed(self.edge[:-1]):
            h = audit_vectors.node(left, h)
        return h


class State:
    """The award as replayed from its chain up to an event (section 20)."""

    def __init__(self):
        self.status = {}  # tracker -> counted | flagged | voided | superseded
        self.finalists = {}  # category -> [{nominee, why, reason}]
        self.jurors = {}  # pseudonym -> {institution, weight}
        self.conflicts = set()  # ("juror" | "institution", id, nominee)
        self.sheets = []  # (seq, juror, category, sheetCommitment)
        self.closing = None  # the closing checkpoint's event
        self.lot_secret = None


class Bundle:
    """The bundle's data and what several checks share: indexes, the frozen hashes, the replays."""

    def __init__(self, data, witnesses):
        self.raw = data
        self.data = data if isinstance(data, dict) else {}
        self.witnesses = witnesses
        self.events = [e for e in self.list("events") if isinstance(e, dict)]
        self.by_seq = {e["seq"]: e for e in self.events if is_int(e.get("seq"))}
        self.rules = self.data.get("rules") if isinstance(self.data.get("rules"), dict) else {}
        # The indexes hold only well-formed items; the `format` check names the others, and the checks that
        # need them (ballot-log, input) then fail on what is missing.
        self.categories = [c for c in self.list("categories") if isinstance(c, dict) and isinstance(c.get("id"), str)]
        self.category_ids = [c["id"] for c in self.categories]
        self.nominees = [n for n in self.list("nominees") if isinstance(n, dict) and isinstance(n.get("id"), str)
                         and isinstance(n.get("category"), str)]
        self.nominee_category = {n["id"]: n["category"] for n in self.nominees}
        self.ballots = [x for x in self.list("ballots") if well_formed_ballot(x)]
        self.ballot_of = {b["tracker"]: b for b in self.ballots}
        self.trackers_of_nominee = {}
        for b in self.ballots:
            self.trackers_of_nominee.setdefault((b["category"], b["nominee"]), []).append(b["tracker"])
        self.reviews = {}
        for r in self.list("reviews"):
            if isinstance(r, dict) and is_int(r.get("seq")) and isinstance(r.get("trackers"), list):
                self.reviews.setdefault(r["seq"], strings(r["trackers"]))
        self.disclosed = {}
        for d in self.list("disclosures"):
            if isinstance(d, dict) and isinstance(d.get("commitment"), str) and isinstance(d.get("value"), str):
                self.disclosed.setdefault(d["commitment"], d)
        self.results = [r for r in self.list("results") if isinstance(r, dict)]
        self.checkpoints = self.of_type("ballots.checkpoint")
        frozen = [payload(e)["frozen"] for e in self.of_type("phase.changed") if "frozen" in payload(e)]
        self.frozen = frozen[0] if frozen and isinstance(frozen[0], dict) else {}
        finalized = self.of_type("results.finalized")
        self.lot_secret = payload(finalized[0]).get("lotSecret") if finalized else None
        self.withdrawn_at = {}  # nominee -> seq of its nominee.withdrawn event
        for e in self.of_type("nominee.withdrawn"):
            self.withdrawn_at.setdefault(hashable(payload(e).get("nominee")), e.get("seq"))
        self._replays = {}

    def list(self, name):
        value = self.data.get(name)
        return value if isinstance(value, list) else []

    def of_type(self, kind):
        return [e for e in self.events if etype(e) == kind]

    def finalist_mode(self):
        rule = self.rules.get("finalists")
        return rule.get("mode", "public") if isinstance(rule, dict) else "public"

    def documents(self):
        """[(version label, results entry, document)] for the entries that carry a document."""
        return [(f"version {r.get('version')}", r, r["document"]) for r in self.results
                if isinstance(r.get("document"), dict)]

    def replay(self, last):
        """The state after every event with seq <= last (section 20), cached."""
        if last not in self._replays:
            self._replays[last] = self._replay(last)
        return self._replays[last]

    def _replay(self, last):
        # Payload values are passed through hashable() wherever they index something: a malformed event (reported by
        # `chain` or `format`) must not stop the replay that the other checks need.
        st = State()
        st.status = {x["tracker"]: "counted" for x in self.ballots}
        st.finalists = {cid: [] for cid in self.category_ids}
        for e in self.events:
            seq = e.get("seq")
            if not is_int(seq) or seq > last:
                continue
            kind, p = etype(e), payload(e)
            if kind == "ballots.checkpoint":
                for tracker in strings(p.get("superseded")):
                    if tracker in st.status:
                        st.status[tracker] = "superseded"
                if p.get("closing") is True:
                    st.closing = e
            elif kind in REVIEW_TYPES:
                for tracker in self.reviews.get(seq, []) if is_int(p.get("count")) and p["count"] > 0 else []:
                    # Superseded is final (section 12): a review cannot bring such a ballot back.
                    if st.status.get(tracker, "superseded") != "superseded":
                        st.status[tracker] = REVIEW_TYPES[kind]
            elif kind == "nominee.withdrawn":
                nominee = hashable(p.get("nominee"))
                for tracker in self.trackers_of_nominee.get((self.nominee_category.get(nominee), nominee), []):
                    if st.status.get(tracker) in ("counted", "flagged"):
                        st.status[tracker] = "voided"
                for cid in st.finalists:
                    st.finalists[cid] = [f for f in st.finalists[cid] if f["nominee"] != nominee]
            elif kind == "finalists.computed":
                # Wildcards named here keep the reason of their own finalists.wildcard event.
                reasons = {(cid, f["nominee"]): f["reason"] for cid, fs in st.finalists.items() for f in fs
                           if f["why"] == "wildcard"}
                st.finalists = {cid: [] for cid in self.category_ids}
                for c in dicts(p.get("categories")):
                    cid = hashable(c.get("category"))
                    st.finalists[cid] = []
                    for f in dicts(c.get("finalists")):
                        nominee, why = hashable(f.get("nominee")), hashable(f.get("why"))
                        reason = reasons.get((cid, nominee)) if why == "wildcard" else None
                        st.finalists[cid].append({"nominee": nominee, "why": why, "reason": reason})
            elif kind == "finalists.picked":
                cid = hashable(p.get("category"))
                named = [hashable(n) for n in p.get("nominees")] if isinstance(p.get("nominees"), list) else []
                kept = [f for f in st.finalists.get(cid, []) if f["why"] != "organizer" and f["nominee"] not in named]
                st.finalists[cid] = kept + [{"nominee": n, "why": "organizer", "reason": None} for n in named]
            elif kind == "finalists.wildcard":
                cid, nominee = hashable(p.get("category")), hashable(p.get("nominee"))
                disclosed = self.disclosed.get(hashable(p.get("reasonCommitment")))
                # docs/tally.md point 8: a wildcard who is already a finalist is not listed again.
                if all(f["nominee"] != nominee for f in st.finalists.get(cid, [])):
                    reason = disclosed.get("value") if disclosed else None
                    st.finalists.setdefault(cid, []).append({"nominee": nominee, "why": "wildcard", "reason": reason})
            elif kind in ("jury.juror.added", "jury.juror.changed"):
                juror = hashable(p.get("juror"))
                before = st.jurors.get(juror, {})
                st.jurors[juror] = {"institution": p.get("institution", before.get("institution")),
                                    "weight": p.get("weight", before.get("weight"))}
            elif kind == "jury.conflict.added":
                who = "juror" if "juror" in p else "institution"
                st.conflicts.add((who, hashable(p.get(who)), hashable(p.get("nominee"))))
            elif kind == "jury.conflicts.declared":
                for nominee in p.get("nominees") if isinstance(p.get("nominees"), list) else []:
                    st.conflicts.add(("juror", hashable(p.get("juror")), hashable(nominee)))
            elif kind == "jury.sheet.submitted":
                st.sheets.append((seq, *(hashable(p.get(m)) for m in ("juror", "category", "sheetCommitment"))))
            elif kind == "results.finalized":
                st.lot_secret = p.get("lotSecret")
        return st

    def nominees_at(self, cid, last):
        """Section 20, "Nominees at H": accepted, plus those withdrawn by an event after H."""
        found = []
        for n in self.nominees:
            if n.get("category") != cid:
                continue
            at = self.withdrawn_at.get(n.get("id"))
            if n.get("status") == "accepted" or (n.get("status") == "withdrawn" and is_int(at) and at > last):
                found.append(n.get("id"))
        return found

    def ballot_rows(self, st):
        """Section 20, "Counts at H": {(category, nominee, status): count} of the counted and flagged ballots."""
        rows = {}
        for b in self.ballots:
            status = st.status.get(b.get("tracker"))
            if status in ("counted", "flagged"):
                key = (b.get("category"), b.get("nominee"), status)
                rows[key] = rows.get(key, 0) + 1
        return rows

    def sheets_at(self, st, problems):
        """Section 20, "Jury at H": the input sheets of every submitted sheet, from its disclosure."""
        sheets = []
        for seq, juror, cid, commitment in st.sheets:
            disclosure = self.disclosed.get(commitment)
            if disclosure is None:
                problems.append(f"event seq {seq}: sheet of juror {juror} in {cid} is not disclosed")
                continue
            try:
                value = parse_json(disclosure.get("value"))
            except (TypeError, ValueError) as e:
                problems.append(f"event seq {seq}: the disclosed sheet is not JSON ({e})")
                continue
            finalists = {f["nominee"] for f in st.finalists.get(cid, [])}
            if isinstance(value, dict) and isinstance(value.get("scores"), dict):
                for nominee, scores in value["scores"].items():
                    if nominee in finalists:
                        sheets.append({"juror": juror, "category": cid, "nominee": nominee, "scores": scores})
            elif isinstance(value, dict) and isinstance(value.get("ranking"), list):
                sheets.append({"juror": juror, "category": cid,
                               "ranking": [n for n in value["ranking"] if n in finalists]})
            else:
                problems.append(f"event seq {seq}: the disclosed sheet has neither scores nor ranking")
        return sheets

    def closing_root(self, st):
        return payload(st.closing).get("root") if st.closing is not None else None

    def tally_input(self, last, problems):
        """The tally input the state at `last` gives (section 20), rules to sheets."""
        st = self.replay(last)
        rules = {"finalists": {"mode": "organizer"}}
        for name in ("jury", "weights", "tieChain"):
            if name in self.rules:
                rules[name] = self.rules[name]
        categories = []
        for c in self.categories:
            categories.append({"id": c.get("id"), "nominees": self.nominees_at(c.get("id"), last),
                               "k": c.get("k"), "winners": c.get("winners")})
        organizer = {cid: [f["nominee"] for f in fs if f["why"] != "wildcard"] for cid, fs in st.finalists.items()}
        wildcards = [{"category": cid, "nominee": f["nominee"], "reason": f["reason"]}
                     for cid, fs in st.finalists.items() for f in fs if f["why"] == "wildcard"]
        institutions = [{"id": i.get("id"), "weight": i.get("weight")} for i in self.list("institutions")
                        if isinstance(i, dict)]
        jurors = [{"id": j, "institution": v["institution"], "weight": v["weight"]} for j, v in st.jurors.items()]
        conflicts = [{who: id_, "nominee": nominee} for who, id_, nominee in st.conflicts]
        return {
            "rules": rules,
            "lotSecret": st.lot_secret if st.lot_secret is not None else self.lot_secret,
            "closingRoot": self.closing_root(st),
            "categories": categories,
            "ballots": [{"category": c, "nominee": n, "status": s, "count": k}
                        for (c, n, s), k in self.ballot_rows(st).items()],
            "organizerFinalists": organizer,
            "wildcards": wildcards,
            "institutions": institutions,
            "jurors": jurors,
            "conflicts": conflicts,
            "sheets": self.sheets_at(st, problems),
        }


# Each check takes the Bundle and a list to append its problems to, and returns a short summary for its ok line.


def check_format(b, out):
    data = b.data
    if not isinstance(b.raw, dict):
        out.append("the bundle is not a JSON object")
        return ""
    out += b.read_problems
    if data.get("format") != BUNDLE_FORMAT:
        out.append(f"format is {json.dumps(data.get('format'))}, not {BUNDLE_FORMAT} (an unknown format is refused)")
    shapes = {"award": dict, "head": dict, "rules": dict, "categories": list, "institutions": list,
              "nominees": list, "results": list, "keys": dict, "counts": dict, "events": list, "reviews": list,
              "disclosures": list, "ballots": list}
    for name, kind in shapes.items():
        if name not in data:
            out.append(f"`{name}` is missing")
        elif not isinstance(data[name], kind):
            out.append(f"`{name}` is not a{'n object' if kind is dict else ' list'}")
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    for name in LISTS:
        want = counts.get(name)
        if not is_int(want):
            out.append(f"counts.{name} is not an integer")
        elif want != len(b.list(name)):
            out.append(f"counts.{name} is {want} but the bundle holds {len(b.list(name))} (truncated?)")

    def need(ok, where, what):
        if not ok:
            out.append(f"{where}: {what}")

    award = data.get("award") if isinstance(data.get("award"), dict) else {}
    need(isinstance(award.get("id"), str) and award.get("id"), "award.id", "not a non-empty string")
    need(isinstance(award.get("slug"), str), "award.slug", "not a string")
    need(isinstance(award.get("locales"), list) and all(isinstance(x, str) for x in award.get("locales", [])),
         "award.locales", "not a list of strings")
    need(isinstance(award.get("content"), dict), "award.content", "not an object")
    head = data.get("head") if isinstance(data.get("head"), dict) else {}
    need(is_int(head.get("seq")) and is_hex64(head.get("hash")), "head", "not {seq: integer, hash: 64 hex digits}")
    for i, c in enumerate(b.list("categories")):
        where = f"categories[{i}]"
        if not isinstance(c, dict):
            need(False, where, "not an object")
            continue
        need(isinstance(c.get("id"), str) and c["id"], f"{where}.id", "not a non-empty string")
        need(isinstance(c.get("slug"), str), f"{where}.slug", "not a string")
        need(c.get("k") is None or (is_int(c.get("k")) and c["k"] >= 1), f"{where}.k",
             "neither null nor an integer ≥ 1")
        need(is_int(c.get("winners")) and c["winners"] >= 1, f"{where}.winners", "not an integer ≥ 1")
        need(isinstance(c.get("content"), dict), f"{where}.content", "not an object")
    need(len(set(b.category_ids)) == len(b.category_ids), "categories", "a category id appears twice")
    need(len(b.categories) == len(b.list("categories")), "categories", "an entry has no string id")
    for i, inst in enumerate(b.list("institutions")):
        where = f"institutions[{i}]"
        ok = isinstance(inst, dict) and isinstance(inst.get("id"), str) and isinstance(inst.get("slug"), str) \
            and is_int(inst.get("weight")) and isinstance(inst.get("content"), dict)
        need(ok, where, "not {id, slug, weight: integer, content}")
    for i, n in enumerate(b.list("nominees")):
        where = f"nominees[{i}]"
        if not isinstance(n, dict):
            need(False, where, "not an object")
            continue
        need(isinstance(n.get("id"), str) and n["id"], f"{where}.id", "not a non-empty string")
        need(hashable(n.get("category")) in b.category_ids, f"{where}.category",
             f"{json.dumps(n.get('category'))} is no category")
        need(isinstance(n.get("slug"), str), f"{where}.slug", "not a string")
        need(hashable(n.get("status")) in NOMINEE_STATUSES, f"{where}.status",
             f"{json.dumps(n.get('status'))} is no status")
        if n.get("erased") is True:
            need("content" not in n, where, "erased but has content")
        else:
            need(isinstance(n.get("content"), dict), f"{where}.content", "not an object")
    ids = [n["id"] for n in b.nominees]
    need(len(set(ids)) == len(ids), "nominees", "a nominee id appears twice")
    for i, r in enumerate(b.list("results")):
        ok = isinstance(r, dict) and is_int(r.get("version")) and is_hex64(r.get("hash")) \
            and isinstance(r.get("kid"), str) and isinstance(r.get("jws"), str) and isinstance(r.get("document"), dict)
        need(ok, f"results[{i}]", "not {version: integer, hash, kid, jws, document: object}")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    need(isinstance(keys.get("keys"), list) and all(isinstance(k, dict) for k in keys.get("keys", [])),
         "keys.keys", "not a list of JWKs")
    bad = 0
    for i, e in enumerate(b.list("events")):
        ok = isinstance(e, dict) and is_int(e.get("seq")) and is_int(e.get("at")) and e["at"] >= 0 \
            and isinstance(e.get("actor"), str) and bool(audit_vectors.ACTOR.match(e["actor"])) \
            and isinstance(e.get("type"), str) and bool(audit_vectors.EVENT_TYPE.match(e["type"])) \
            and isinstance(e.get("payload"), dict) and is_hex64(e.get("prev")) and is_hex64(e.get("hash"))
        if not ok:
            bad += 1
            need(False, f"events[{i}] (seq {e.get('seq') if isinstance(e, dict) else '?'})",
                 "not {seq, at ≥ 0, actor, type, payload: object, prev, hash} of section 3.2")
    for i, r in enumerate(b.list("reviews")):
        ok = isinstance(r, dict) and is_int(r.get("seq")) and isinstance(r.get("trackers"), list) \
            and all(is_hex64(t) for t in r["trackers"])
        need(ok, f"reviews[{i}]", "not {seq: integer, trackers: [64 hex digits]}")
    for i, d in enumerate(b.list("disclosures")):
        ok = isinstance(d, dict) and is_hex64(d.get("commitment")) and is_hex64(d.get("salt")) \
            and isinstance(d.get("value"), str)
        need(ok, f"disclosures[{i}]", "not {commitment, salt: 64 hex digits, value: string}")
    for i, x in enumerate(b.list("ballots")):
        ok = isinstance(x, dict) and is_hex64(x.get("tracker")) and isinstance(x.get("category"), str) \
            and x["category"] != "" and isinstance(x.get("nominee"), str) and x["nominee"] != "" \
            and is_int(x.get("batch")) and x["batch"] >= 1
        need(ok, f"ballots[{i}]", "not {tracker: 64 hex digits, category, nominee, batch ≥ 1}")
    return (f"{BUNDLE_FORMAT}; {len(b.events)} events, {len(b.list('reviews'))} reviews, "
            f"{len(b.list('disclosures'))} disclosures, {len(b.ballots)} ballots, as counted")


def check_chain(b, out):
    previous = audit_vectors.GENESIS_PREV
    for i, e in enumerate(b.list("events")):
        if not isinstance(e, dict):
            out.append(f"events[{i}] is not an event")
            continue
        seq = e.get("seq")
        if seq != i + 1:
            out.append(f"events[{i}] has seq {json.dumps(seq)}, expected {i + 1}")
        if e.get("prev") != previous:
            out.append(f"seq {seq}: prev {short(e.get('prev'))} is not the hash of the event before "
                       f"({short(previous)})")
        try:
            got = audit_vectors.event_hash(e.get("prev"), e)
            if got != e.get("hash"):
                out.append(f"seq {seq}: hash {short(e.get('hash'))} is not the recomputed {short(got)}")
        except (audit_vectors.Rejected, ValueError, KeyError, TypeError) as err:
            out.append(f"seq {seq}: hash cannot be recomputed ({err})")
        previous = e.get("hash")
    head = b.data.get("head") if isinstance(b.data.get("head"), dict) else {}
    last = b.events[-1] if b.events else {}
    if not b.events:
        out.append("the chain has no event")
    elif head.get("seq") != last.get("seq") or head.get("hash") != last.get("hash"):
        out.append(f"head {{seq {head.get('seq')}, hash {short(head.get('hash'))}}} is not the last event "
                   f"{{seq {last.get('seq')}, hash {short(last.get('hash'))}}}")
    return f"{len(b.events)} events linked from genesis, head seq {last.get('seq')} {short(last.get('hash'))}"


def check_witness(b, out):
    for seq, h in b.witnesses:
        e = b.by_seq.get(seq)
        if e is None:
            out.append(f"witness {seq}:{short(h)}: the chain has no event seq {seq} (it ends at {len(b.events)})")
        elif e.get("hash") != h:
            out.append(f"witness {seq}:{short(h)}: event seq {seq} has hash {short(e.get('hash'))}")
    if not b.witnesses:
        return "no witness given (the chain is only shown consistent with itself)"
    return ", ".join(f"seq {seq} {short(h)}" for seq, h in b.witnesses) + " in the chain"


def check_rules(b, out):
    frozen = [e for e in b.of_type("phase.changed") if "frozen" in payload(e)]
    if len(frozen) != 1:
        out.append(f"{len(frozen)} phase.changed events carry `frozen` (seqs {[e.get('seq') for e in frozen]}), "
                   "expected exactly one")
    f = b.frozen
    try:
        got = sha256_text(b.rules)
    except audit_vectors.Rejected as e:
        out.append(f"rules cannot be canonicalized: {e}")
        got = None
    if got is not None and got != f.get("rulesHash"):
        out.append(f"SHA-256 of the canonical rules is {short(got)}, the frozen rulesHash is "
                   f"{short(f.get('rulesHash'))}")
    for label, _, doc in b.documents():
        for name in ("rulesHash", "nomineesHash"):
            if doc.get(name) != f.get(name):
                out.append(f"{label}: document.{name} {short(doc.get(name))} is not the frozen {short(f.get(name))}")
    seq = frozen[0].get("seq") if frozen else "?"
    return f"rules hash to the rulesHash frozen at seq {seq}; every document cites the frozen hashes"


def lot_hash(secret):
    return audit_vectors.sha256_hex(bytes.fromhex(secret))


def check_lot(b, out):
    commitment = b.frozen.get("lotCommitment")
    finalized = b.of_type("results.finalized")
    if not finalized:
        out.append("no results.finalized event reveals the lot secret")
    for e in finalized:
        secret = payload(e).get("lotSecret")
        if not is_hex64(secret):
            out.append(f"event seq {e.get('seq')}: lotSecret is not 64 hex digits")
        elif lot_hash(secret) != commitment:
            out.append(f"event seq {e.get('seq')}: SHA-256(lotSecret) {short(lot_hash(secret))} is not the frozen "
                       f"lotCommitment {short(commitment)}")
    # The commitment must come before any ballot: the frozen event precedes every checkpoint.
    frozen_seq = min((e["seq"] for e in b.of_type("phase.changed") if "frozen" in payload(e) and is_int(e.get("seq"))),
                     default=None)
    first = b.checkpoints[0].get("seq") if b.checkpoints else None
    if is_int(first) and frozen_seq is not None and first < frozen_seq:
        out.append(f"checkpoint seq {b.checkpoints[0].get('seq')} comes before the lot commitment (seq {frozen_seq})")
    for label, _, doc in b.documents():
        lot = doc.get("lot") if isinstance(doc.get("lot"), dict) else {}
        secret = lot.get("secret")
        if lot.get("commitment") != commitment:
            out.append(f"{label}: lot.commitment {short(lot.get('commitment'))} is not the frozen {short(commitment)}")
        if not is_hex64(secret):
            out.append(f"{label}: lot.secret is not 64 hex digits")
            continue
        if lot_hash(secret) != commitment:
            out.append(f"{label}: SHA-256(lot.secret) {short(lot_hash(secret))} is not the frozen {short(commitment)}")
        head = doc.get("eventHead") if isinstance(doc.get("eventHead"), dict) else {}
        st = b.replay(head.get("seq") if is_int(head.get("seq")) else 0)
        # The document's closingCheckpoint is the one its seed and closingRoot come from (section 18).
        cp = payload(st.closing)
        closing = {"batch": cp.get("batch"), "treeSize": cp.get("treeSize"), "root": cp.get("root")}
        if doc.get("closingCheckpoint") != closing:
            out.append(f"{label}: closingCheckpoint {canonical_or_repr(doc.get('closingCheckpoint'))} is not the "
                       f"closing checkpoint {canonical_or_repr(closing)}")
        root = b.closing_root(st)
        if not is_hex64(root):
            out.append(f"{label}: no closing checkpoint by its eventHead, so no seed")
            continue
        seed = audit_vectors.sha256_hex(bytes.fromhex(secret) + bytes.fromhex(root))
        if lot.get("seed") != seed:
            out.append(f"{label}: lot.seed {short(lot.get('seed'))} is not SHA-256(S ‖ closing root) {short(seed)}")
    return f"the revealed secret matches the lotCommitment {short(commitment)}; seeds recomputed"


def check_checkpoints(b, out):
    size = 0
    for i, e in enumerate(b.checkpoints):
        p, seq = payload(e), e.get("seq")
        if p.get("batch") != i + 1:
            out.append(f"checkpoint seq {seq}: batch {json.dumps(p.get('batch'))}, expected {i + 1}")
        last = i == len(b.checkpoints) - 1
        if "closing" in p and p["closing"] is not True:
            out.append(f"checkpoint seq {seq}: closing is {json.dumps(p['closing'])}, not true or absent")
        if (p.get("closing") is True) != last:
            out.append(f"checkpoint seq {seq} (batch {p.get('batch')}): " +
                       ("the last checkpoint is not closing" if last else "closing, but a checkpoint follows"))
        if not (is_int(p.get("leaves")) and p["leaves"] >= 0 and is_int(p.get("treeSize"))):
            out.append(f"checkpoint seq {seq}: leaves or treeSize is not an integer")
        elif p["treeSize"] != size + p["leaves"]:
            out.append(f"checkpoint seq {seq} (batch {p.get('batch')}): treeSize {p['treeSize']} is not "
                       f"{size} + leaves {p['leaves']}")
        if not is_hex64(p.get("root")):
            out.append(f"checkpoint seq {seq}: root is not 64 hex digits")
        lists = {}
        for name in ("voided", "superseded", "restored"):
            value = p.get(name)
            if not (isinstance(value, list) and all(is_hex64(t) for t in value)):
                out.append(f"checkpoint seq {seq}: {name} is not a list of trackers")
                continue
            if value != sorted(set(value)):
                out.append(f"checkpoint seq {seq}: {name} is not sorted ascending without repeats")
            lists[name] = set(value)
        names = list(lists)
        for x in range(len(names)):
            for y in range(x + 1, len(names)):
                for t in sorted(lists[names[x]] & lists[names[y]]):
                    out.append(f"checkpoint seq {seq}: tracker {short(t)} is both {names[x]} and {names[y]}")
        size = p.get("treeSize") if is_int(p.get("treeSize")) else size
    if not b.checkpoints:
        out.append("the chain has no ballots.checkpoint event")
    return f"{len(b.checkpoints)} checkpoints, batches 1…{len(b.checkpoints)}, the last closing, {size} leaves"


def check_ballot_log(b, out):
    ballots = b.list("ballots")
    batch_of = {}
    previous = None
    groups = {}
    for i, x in enumerate(ballots):
        if not well_formed_ballot(x):
            out.append(f"ballots[{i}] is not {{tracker, category, nominee, batch}}: left out of the log")
            continue
        order = (x["batch"], x["tracker"])
        tracker = x["tracker"]
        if tracker in batch_of:
            out.append(f"ballots[{i}]: tracker {short(tracker)} appears twice (batches {batch_of[tracker]} "
                       f"and {x.get('batch')})")
            continue
        batch_of[tracker] = x["batch"]
        if previous is not None and order < previous:
            out.append(f"ballots[{i}]: tracker {short(tracker)} of batch {x['batch']} is out of leaf order "
                       "(batch ascending, then tracker ascending)")
        previous = order
        groups.setdefault(x["batch"], []).append(x)
        if b.nominee_category.get(x.get("nominee")) != x.get("category"):
            out.append(f"ballots[{i}]: tracker {short(tracker)}: {x.get('nominee')} is no nominee of "
                       f"category {x.get('category')}")
    batches = {hashable(payload(e).get("batch")) for e in b.checkpoints}
    for batch in groups:
        if batch not in batches:
            out.append(f"batch {batch}: {len(groups[batch])} ballots but no checkpoint of that batch")
    tree = Tree()
    for e in b.checkpoints:
        p, seq = payload(e), e.get("seq")
        batch = hashable(p.get("batch"))
        group = sorted(groups.get(batch, []), key=lambda x: x["tracker"])
        for x in group:
            try:
                tree.append(audit_vectors.leaf_hash(
                    {"tracker": x["tracker"], "category": x["category"], "nominee": x["nominee"]}))
            except (audit_vectors.Rejected, ValueError, KeyError, TypeError) as err:
                out.append(f"batch {batch}: tracker {short(x.get('tracker'))} is no leaf ({err})")
        if p.get("leaves") != len(group):
            out.append(f"checkpoint seq {seq} (batch {batch}): leaves {p.get('leaves')}, the bundle has "
                       f"{len(group)} ballots of that batch")
        if p.get("treeSize") != tree.size:
            out.append(f"checkpoint seq {seq} (batch {batch}): treeSize {p.get('treeSize')}, the ballots up to it "
                       f"are {tree.size}")
        root = tree.root().hex()
        if p.get("root") != root:
            out.append(f"checkpoint seq {seq} (batch {batch}): root {short(p.get('root'))}, recomputed from the "
                       f"ballots {short(root)}")
        for name in ("voided", "superseded", "restored"):
            for t in strings(p.get(name)):
                at = batch_of.get(t)
                if at is None or not is_int(batch) or not is_int(at) or at > batch:
                    out.append(f"checkpoint seq {seq} (batch {batch}): {name} tracker {short(t)} is not in the log "
                               f"by then" + (f" (batch {at})" if at is not None else ""))
    return f"{len(ballots)} ballots in {len(groups)} batches; every checkpoint's size and root recomputed"


def check_reviews(b, out):
    review_events = {e.get("seq"): e for e in b.events if etype(e) in REVIEW_TYPES and is_int(e.get("seq"))}
    seen = set()
    for i, r in enumerate(b.list("reviews")):
        if not isinstance(r, dict):
            continue
        seq, trackers = hashable(r.get("seq")), r.get("trackers")
        where = f"reviews[{i}] (seq {seq})"
        if seq in seen:
            out.append(f"{where}: a second entry for that event")
            continue
        seen.add(seq)
        e = review_events.get(seq)
        if e is None:
            kind = b.by_seq.get(seq, {}).get("type", "no event")
            out.append(f"{where}: event seq {seq} is {kind}, not a ballots.flagged/voided/restored")
            continue
        if not isinstance(trackers, list) or len(strings(trackers)) != len(trackers):
            out.append(f"{where}: trackers is not a list of strings")
            continue
        p = payload(e)
        if trackers != sorted(trackers):
            out.append(f"{where}: trackers not sorted ascending")
        if len(set(trackers)) != len(trackers):
            out.append(f"{where}: a tracker appears twice")
        if p.get("count") != len(trackers):
            out.append(f"{where}: {len(trackers)} trackers, the {e.get('type')} event's count is {p.get('count')}")
        try:
            got = sha256_text(sorted(trackers))
        except audit_vectors.Rejected as err:
            got = f"(not canonical: {err})"
        if got != p.get("trackersHash"):
            out.append(f"{where}: SHA-256 of the sorted trackers is {short(got)}, the event's trackersHash is "
                       f"{short(p.get('trackersHash'))}")
        for t in trackers:
            if t not in b.ballot_of:
                out.append(f"{where}: tracker {short(t)} is no ballot of the bundle")
    for seq, e in review_events.items():
        count = payload(e).get("count")
        if not is_int(count) or count < 0:
            out.append(f"event seq {seq}: count is not an integer ≥ 0")
        elif count > 0 and seq not in seen:
            out.append(f"event seq {seq} ({e.get('type')}, count {count}): no reviews entry names its trackers")
    return f"{len(seen)} reviews match the counts and trackersHash of their {len(review_events)} events"


def check_flags(b, out):
    computed = b.of_type("finalists.computed")
    if not computed:
        out.append("no finalists.computed event")
    for e in computed:
        seq = e.get("seq")
        flagged = payload(e).get("flagged")
        if not (isinstance(flagged, list) and all(isinstance(t, str) for t in flagged)):
            out.append(f"event seq {seq}: flagged is not a list of trackers")
            continue
        st = b.replay(seq - 1)
        replayed = {t for t, s in st.status.items() if s == "flagged"}
        for t in sorted(replayed - set(flagged)):
            out.append(f"event seq {seq}: tracker {short(t)} is flagged by the replay but not in its flagged list")
        for t in sorted(set(flagged) - replayed):
            out.append(f"event seq {seq}: tracker {short(t)} is in its flagged list but the replay has it "
                       f"{st.status.get(t, 'not a ballot')}")
        if len(set(flagged)) != len(flagged):
            out.append(f"event seq {seq}: a tracker appears twice in flagged")
    n = sum(len(payload(e).get("flagged") or []) for e in computed)
    return f"{n} trackers flagged at the close, as the replay says"


def check_disclosures(b, out):
    where_committed = {}  # commitment -> (seq, event, member)
    for e in b.events:
        # By event type as well as member: a withdrawal's `reasonCommitment` is personal and never opened.
        member = JURY_COMMITMENTS.get(etype(e))
        c = payload(e).get(member) if member else None
        if isinstance(c, str):
            where_committed.setdefault(c, (e.get("seq"), e, member))
    previous = 0
    for i, d in enumerate(b.list("disclosures")):
        if not isinstance(d, dict):
            continue
        c, salt, value = d.get("commitment"), d.get("salt"), d.get("value")
        label = f"disclosures[{i}] ({short(c)})"
        try:
            got = audit_vectors.commitment(salt, value)
        except (ValueError, AttributeError, UnicodeEncodeError) as err:
            out.append(f"{label}: cannot be recomputed ({err})")
            continue
        if got != c:
            out.append(f"{label}: SHA-256(salt ‖ value) is {short(got)}, not the commitment")
        found = where_committed.get(hashable(c))
        if found is None:
            other = next((f"seq {e.get('seq')} {m}" for e in b.events for m, v in payload(e).items() if v == c), None)
            out.append(f"{label}: opens no jury or wildcard commitment of the chain"
                       + (f" (it opens {other}, which a bundle never opens)" if other else ""))
            continue
        seq, e, member = found
        if is_int(seq) and seq < previous:
            out.append(f"{label}: out of the order of its events (seq {seq} after seq {previous})")
        previous = seq if is_int(seq) else previous
        if member == "reasonCommitment":
            continue
        try:
            parsed = parse_json(value)
            if audit_vectors.canonical(parsed) != value:
                out.append(f"{label}: the value is not canonical JSON (section 16)")
        except (ValueError, audit_vectors.Rejected) as err:
            out.append(f"{label}: the value is not JSON ({err})")
            continue
        p = payload(e)
        names = ("juror", "category", "nominee") if member == "scoresCommitment" else ("juror", "category")
        for name in names:
            if not isinstance(parsed, dict) or parsed.get(name) != p.get(name):
                out.append(f"{label}: {name} {json.dumps(parsed.get(name) if isinstance(parsed, dict) else None)} "
                           f"is not the {e.get('type')} event's (seq {seq}) {json.dumps(p.get(name))}")
    for c, (seq, e, member) in where_committed.items():
        if c not in b.disclosed and member in ("sheetCommitment", "reasonCommitment"):
            out.append(f"event seq {seq} ({e.get('type')}): {member} {short(c)} is not disclosed")
    return f"{len(b.list('disclosures'))} disclosures open their commitments; every submitted sheet is disclosed"


def category_input(b, last, with_lot=True):
    """The finalist rule's input at `last`: rules, lot, categories with K, nominees, ballots, wildcards."""
    st = b.replay(last)
    raw = {
        "rules": {"finalists": b.rules.get("finalists", {})},
        "lotSecret": b.lot_secret if with_lot and is_hex64(b.lot_secret) else None,
        "closingRoot": b.closing_root(st) if is_hex64(b.closing_root(st)) else None,
        "categories": [{"id": c.get("id"), "nominees": b.nominees_at(c.get("id"), last), "k": c.get("k"),
                        "winners": c.get("winners", 1)} for c in b.categories],
        "ballots": [{"category": c, "nominee": n, "status": s, "count": k}
                    for (c, n, s), k in b.ballot_rows(st).items()],
        "wildcards": [{"category": cid, "nominee": f["nominee"], "reason": f["reason"]}
                      for cid, fs in st.finalists.items() for f in fs if f["why"] == "wildcard"],
    }
    return raw


def check_finalists(b, out):
    mode = b.finalist_mode()
    computed = b.of_type("finalists.computed")
    if mode != "public":
        return f"finalist mode {mode}: the finalists are picked by organizers, no rule to recompute"
    for e in computed:
        seq = e.get("seq")
        try:
            rule = laurel_tally.finalists(category_input(b, seq - 1))
        except laurel_tally.InputError as err:
            out.append(f"event seq {seq}: the finalist rule refuses the replayed state: {err}")
            continue
        listed = {hashable(c.get("category")): c.get("finalists") for c in dicts(payload(e).get("categories"))}
        for cid in sorted(set(listed) - set(rule), key=str):
            out.append(f"event seq {seq}: category {cid} is not a category of the bundle")
        for cid, picked in rule.items():
            got = {(hashable(f.get("nominee")), hashable(f.get("why"))) for f in dicts(listed.get(cid))}
            want = set(picked)
            for n, why in sorted(want - got):
                out.append(f"event seq {seq}: category {cid}: the rule gives {n} ({why}), the event does not")
            for n, why in sorted(got - want, key=str):
                out.append(f"event seq {seq}: category {cid}: the event names {n} ({why}), the rule does not")
    # changeWithoutFlagged (section 21): at each document's event head, would the rule, on the counted ballots
    # alone and without wildcards, pick other non-wildcard finalists than the document's?
    for label, _, doc in b.documents():
        head = doc.get("eventHead") if isinstance(doc.get("eventHead"), dict) else {}
        if not is_int(head.get("seq")):
            continue
        raw = dict(category_input(b, head["seq"]), wildcards=[])
        try:
            quiet = laurel_tally.finalists(raw, without_flagged=True)
        except laurel_tally.InputError as err:
            out.append(f"{label}: the finalist rule refuses the replayed state: {err}")
            continue
        section = doc.get("finalists") if isinstance(doc.get("finalists"), dict) else {}
        for c in dicts(section.get("categories")):
            cid = hashable(c.get("category"))
            mine = {hashable(f.get("nominee")) for f in dicts(c.get("finalists")) if f.get("why") != "wildcard"}
            other = {n for n, w in quiet.get(cid, []) if w != "wildcard"}
            if c.get("changeWithoutFlagged") != (mine != other):
                out.append(f"{label}: finalists category {cid}: changeWithoutFlagged "
                           f"{json.dumps(c.get('changeWithoutFlagged'))}, the rule without the flagged "
                           f"ballots gives {json.dumps(mine != other)}")
    if not computed:
        out.append("no finalists.computed event to check")
    return f"public mode: the finalists at the close are what the rule gives ({len(computed)} event)"


def b64url(text):
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk):
    """RFC 7638 thumbprint of an OKP key: SHA-256 of {crv, kty, x} in canonical JSON, base64url."""
    text = audit_vectors.canonical({"crv": jwk.get("crv"), "kty": jwk.get("kty"), "x": jwk.get("x")})
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode("utf-8")).digest()).rstrip(b"=").decode("ascii")


def check_signature(b, out):
    keys = b.data.get("keys") if isinstance(b.data.get("keys"), dict) else {}
    jwks = dicts(keys.get("keys"))
    if not b.results:
        out.append("the bundle has no results document")
    for i, r in enumerate(b.results):
        label = f"version {r.get('version')}"
        parts = r.get("jws").split(".") if isinstance(r.get("jws"), str) else []
        if len(parts) != 3:
            out.append(f"{label}: the JWS is not compact (three parts)")
            continue
        try:
            header = parse_json(b64url(parts[0]).decode("utf-8"))
            body = b64url(parts[1])
            signature = b64url(parts[2])
        except (ValueError, UnicodeDecodeError) as err:
            out.append(f"{label}: the JWS cannot be decoded ({err})")
            continue
        if not isinstance(header, dict):
            out.append(f"{label}: the protected header is not an object")
            continue
        if header.get("alg") != "EdDSA":
            out.append(f"{label}: header alg {json.dumps(header.get('alg'))}, not EdDSA")
        if header.get("typ") != "laurel-results+jws":
            out.append(f"{label}: header typ {json.dumps(header.get('typ'))}, not laurel-results+jws")
        if header.get("kid") != r.get("kid"):
            out.append(f"{label}: header kid {json.dumps(header.get('kid'))} is not the entry's kid "
                       f"{json.dumps(r.get('kid'))}")
        jwk = next((k for k in jwks if k.get("kid") == header.get("kid")), None)
        if jwk is None:
            out.append(f"{label}: no key of `keys` has kid {json.dumps(header.get('kid'))}")
        else:
            try:
                tp = thumbprint(jwk)
            except audit_vectors.Rejected as err:
                tp = f"(cannot compute: {err})"
            if tp != header.get("kid"):
                out.append(f"{label}: key {json.dumps(header.get('kid'))} has RFC 7638 thumbprint {tp}")
            elif jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                out.append(f"{label}: key {tp} is not an Ed25519 (OKP) key")
            else:
                try:
                    public = b64url(jwk.get("x"))
                    good = len(public) == 32 and len(signature) == 64 and ed25519.verify(
                        public, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)
                except ValueError:
                    good = False
                if not good:
                    out.append(f"{label}: the Ed25519 signature does not verify with key {tp}")
        doc = r.get("document")
        try:
            text = audit_vectors.canonical(doc)
        except audit_vectors.Rejected as err:
            out.append(f"{label}: the document is not canonical JSON data ({err})")
            continue
        if body != text.encode("utf-8"):
            out.append(f"{label}: the JWS payload is not the canonical JSON of `document`")
        got = audit_vectors.sha256_hex(text.encode("utf-8"))
        if got != r.get("hash"):
            out.append(f"{label}: SHA-256 of the document is {short(got)}, the entry's hash is {short(r.get('hash'))}")
    return f"{len(b.results)} documents signed by keys of the bundle's JWK Set, payloads and hashes match"


def check_versions(b, out):
    stored = b.of_type("results.finalized") + b.of_type("results.amended")
    stored.sort(key=lambda e: e.get("seq") if is_int(e.get("seq")) else 0)
    award = b.data.get("award") if isinstance(b.data.get("award"), dict) else {}
    if len(b.of_type("results.finalized")) != 1:
        out.append(f"{len(b.of_type('results.finalized'))} results.finalized events, expected one")
    if len(stored) != len(b.results):
        out.append(f"the chain stores {len(stored)} documents (results.finalized/amended), the bundle has "
                   f"{len(b.results)}")
    previous = None
    for i, r in enumerate(b.results):
        n = i + 1
        label = f"version {r.get('version')}"
        doc = r.get("document") if isinstance(r.get("document"), dict) else {}
        if r.get("version") != n or doc.get("version") != n:
            out.append(f"results[{i}]: version {r.get('version')} (document {doc.get('version')}), expected {n}")
        if doc.get("format") != "laurel-results/1":
            out.append(f"{label}: document format {json.dumps(doc.get('format'))}, not laurel-results/1")
        doc_award = doc.get("award") if isinstance(doc.get("award"), dict) else {}
        if doc_award.get("id") != award.get("id") or doc_award.get("slug") != award.get("slug"):
            out.append(f"{label}: the document is of award {doc_award.get('id')}/{doc_award.get('slug')}, the bundle "
                       f"of {award.get('id')}/{award.get('slug')}")
        e = stored[i] if i < len(stored) else None
        want_type = "results.finalized" if n == 1 else "results.amended"
        if e is None:
            out.append(f"{label}: no {want_type} event stores it")
        else:
            p, seq = payload(e), e.get("seq")
            if e.get("type") != want_type:
                out.append(f"{label}: stored by {e.get('type')} (seq {seq}), expected {want_type}")
            for name in ("version", "hash", "kid"):
                want = n if name == "version" else r.get(name)
                if p.get(name) != want:
                    out.append(f"{label}: event seq {seq} has {name} {json.dumps(p.get(name))}, expected "
                               f"{json.dumps(want)}")
            head = doc.get("eventHead") if isinstance(doc.get("eventHead"), dict) else {}
            before = b.by_seq.get(seq - 1) if is_int(seq) else None
            if head.get("seq") != (seq - 1 if is_int(seq) else None) or before is None:
                out.append(f"{label}: eventHead seq {head.get('seq')} is not the event just before the "
                           f"{e.get('type')} at seq {seq}")
            elif head.get("hash") != before.get("hash"):
                out.append(f"{label}: eventHead hash {short(head.get('hash'))} is not the hash of event seq "
                           f"{seq - 1} {short(before.get('hash'))}")
            if n > 1 and previous is not None and p.get("supersedes") != previous.get("hash"):
                out.append(f"{label}: event seq {seq} supersedes {short(p.get('supersedes'))}, not version {n - 1}'s "
                           f"hash {short(previous.get('hash'))}")
        want_sup = None if n == 1 else {"version": n - 1, "hash": previous.get("hash") if previous else None}
        if doc.get("supersedes") != want_sup:
            out.append(f"{label}: document.supersedes {json.dumps(doc.get('supersedes'))}, expected "
                       f"{json.dumps(want_sup)}")
        previous = r
    announced = b.of_type("results.announced")
    first = b.results[0] if b.results else {}
    if not announced:
        out.append("no results.announced event")
    for e in announced:
        p = payload(e)
        if p.get("version") != 1 or p.get("hash") != first.get("hash"):
            out.append(f"results.announced seq {e.get('seq')} cites version {p.get('version')} "
                       f"{short(p.get('hash'))}, not version 1 {short(first.get('hash'))}")
    return f"versions 1…{len(b.results)} stored in the chain in order, each superseding the last; version 1 announced"


def canonical_or_repr(value):
    try:
        return audit_vectors.canonical(value)
    except audit_vectors.Rejected:
        return repr(value)


def compare_multisets(out, where, document, replayed, name):
    """Report the differences of two lists compared as multisets; `name` names an item (juror/category/…)."""
    if not isinstance(document, list):
        out.append(f"{where}: not a list in the document")
        document = []

    def index(items):
        found = {}
        for item in items:
            found.setdefault(hashable(name(item)), Counter())[canonical_or_repr(item)] += 1
        return found

    doc, rep = index(document), index(replayed)
    for key in sorted(set(doc) | set(rep), key=str):
        d, r = doc.get(key, Counter()), rep.get(key, Counter())
        if d == r:
            continue
        if not d:
            out.append(f"{where} {key}: in the replay, not in the document")
        elif not r:
            out.append(f"{where} {key}: in the document, not in the replay")
        else:
            out.append(f"{where} {key}: the document has {', '.join(sorted(d - r))}, the replay "
                       f"{', '.join(sorted(r - d))}")


def field(name):
    return lambda item: item.get(name) if isinstance(item, dict) else repr(item)


def fields(*names):
    return lambda item: "/".join(str(item.get(n)) for n in names if n in item) if isinstance(item, dict) \
        else repr(item)


def check_input(b, out):
    for label, _, doc in b.documents():
        head = doc.get("eventHead") if isinstance(doc.get("eventHead"), dict) else {}
        if not is_int(head.get("seq")):
            out.append(f"{label}: no eventHead to replay to")
            continue
        last = head["seq"]
        got = doc.get("input") if isinstance(doc.get("input"), dict) else {}
        problems = []
        want = b.tally_input(last, problems)
        out += [f"{label}: {p}" for p in problems]
        at = f"{label}: input"
        for name in ("finalists", "jury", "weights", "tieChain"):
            d = (got.get("rules") or {}).get(name) if isinstance(got.get("rules"), dict) else None
            if canonical_or_repr(d) != canonical_or_repr(want["rules"].get(name)):
                out.append(f"{at}.rules.{name} is {canonical_or_repr(d)}, the rules give "
                           f"{canonical_or_repr(want['rules'].get(name))}")
        for name in ("lotSecret", "closingRoot"):
            if got.get(name) != want[name]:
                out.append(f"{at}.{name} is {short(got.get(name))}, the chain gives {short(want[name])}")
        st = b.replay(last)

        # Categories: id, K (the category's own; null when the rule's applies), winners, nominees.
        doc_categories = {hashable(c.get("id")): c for c in dicts(got.get("categories"))}
        for c in want["categories"]:
            cid = c["id"]
            d = doc_categories.pop(cid, None)
            if d is None:
                out.append(f"{at}.categories {cid}: in the bundle, not in the input")
                continue
            # The neutral format has `k` optional and never null: a category without its own K leaves it out.
            if ("k" in d and d["k"] is None) or d.get("k") != c["k"]:
                shown_k = json.dumps(d["k"]) if "k" in d else "absent"
                out.append(f"{at}.categories {cid}: k {shown_k}, the bundle's category has "
                           f"{json.dumps(c['k']) if c['k'] is not None else 'none (k is left out)'}")
            if d.get("winners", 1) != c["winners"]:
                out.append(f"{at}.categories {cid}: winners {d.get('winners', 1)}, the bundle's {c['winners']}")
            compare_multisets(out, f"{at}.categories {cid} nominee", d.get("nominees") or [], c["nominees"], str)
        for cid in doc_categories:
            out.append(f"{at}.categories {cid}: in the input, not a category of the bundle")

        rows = Counter()
        # Rows are summed per (category, nominee, status): a document may split or merge them (section 18).
        for row in dicts(got.get("ballots")):
            count = row.get("count", 1)
            where = tuple(hashable(row.get(x)) for x in ("category", "nominee", "status"))
            rows[where] += count if is_int(count) else 0
        replayed = Counter({(r["category"], r["nominee"], r["status"]): r["count"] for r in want["ballots"]})
        for key in sorted(set(rows) | set(replayed), key=str):
            if rows[key] != replayed[key]:
                out.append(f"{at}.ballots {'/'.join(map(str, key))}: {rows[key]} in the document, "
                           f"{replayed[key]} by the ballot log and reviews")

        doc_picked = got.get("organizerFinalists") if isinstance(got.get("organizerFinalists"), dict) else {}
        for cid in sorted(set(doc_picked) | set(want["organizerFinalists"]), key=str):
            compare_multisets(out, f"{at}.organizerFinalists {cid}", doc_picked.get(cid) or [],
                              want["organizerFinalists"].get(cid, []), str)
        compare_multisets(out, f"{at}.wildcards", got.get("wildcards") or [], want["wildcards"],
                          fields("category", "nominee"))
        doc_finalists = doc.get("finalists") if isinstance(doc.get("finalists"), dict) else {}
        if canonical_or_repr(doc_finalists.get("rule")) != canonical_or_repr(b.rules.get("finalists")):
            out.append(f"{label}: finalists.rule is not the rules' finalists")
        listed = {hashable(c.get("category")): c.get("finalists") or [] for c in dicts(doc_finalists.get("categories"))}
        for cid in sorted(set(listed) | set(st.finalists), key=str):
            compare_multisets(out, f"{label}: finalists {cid}", listed.get(cid, []), st.finalists.get(cid, []),
                              field("nominee"))
        compare_multisets(out, f"{at}.institutions", got.get("institutions") or [], want["institutions"], field("id"))
        compare_multisets(out, f"{at}.jurors", got.get("jurors") or [], want["jurors"], field("id"))
        compare_multisets(out, f"{at}.conflicts", got.get("conflicts") or [], want["conflicts"],
                          fields("juror", "institution", "nominee"))
        compare_multisets(out, f"{at}.sheets", got.get("sheets") or [], want["sheets"],
                          fields("juror", "category", "nominee"))
    return f"every version's input is the state replayed at its eventHead ({len(b.documents())} documents)"


def check_recount(b, out):
    for label, _, doc in b.documents():
        try:
            result = laurel_tally.tally(doc.get("input") if isinstance(doc.get("input"), dict) else {})
        except laurel_tally.InputError as err:
            out.append(f"{label}: the tally refuses the input at input.{err}")
            continue
        except (TypeError, AttributeError, KeyError, ValueError) as err:
            # laurel_tally checks the shapes it counts; a value of a type it never expects ends up here.
            out.append(f"{label}: the tally cannot read the input ({type(err).__name__}: {err})")
            continue
        for where, published, recount in differences(doc.get("result"), result, "result"):
            out.append(f"{label}: {where} is {shown(published)}, the recount gives {shown(recount)}")
    return f"the tally of every version's input gives its result ({len(b.documents())} documents)"


CHECK_FUNCTIONS = {
    "format": check_format, "chain": check_chain, "witness": check_witness, "rules": check_rules,
    "lot": check_lot, "checkpoints": check_checkpoints, "ballot-log": check_ballot_log, "reviews": check_reviews,
    "flags": check_flags, "disclosures": check_disclosures, "finalists": check_finalists,
    "signature": check_signature, "versions": check_versions, "input": check_input, "recount": check_recount,
}


def verify_bundle(data, read_problems, witnesses):
    """[(check, [problems], summary)] for every check of section 21, in its table's order."""
    bundle = Bundle(data, witnesses)
    bundle.read_problems = read_problems
    found = []
    for name in CHECKS:
        problems = []
        try:
            summary = CHECK_FUNCTIONS[name](bundle, problems)
        except Exception as err:  # noqa: BLE001  (a malformed bundle must fail the check, not stop the others)
            problems.append(f"could not be completed: {type(err).__name__}: {err}")
            summary = ""
        found.append((name, problems, summary))
    return found


def witness(text):
    m = re.fullmatch(r"(\d+):([0-9a-f]{64})", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not SEQ:HASH (an integer and 64 lowercase hex digits)")
    return int(m.group(1)), m.group(2)


def bundle_command(args):
    try:
        data, read_problems = read_bundle(args.bundle)
    except Unreadable as e:
        if args.json:
            print(json.dumps({"ok": False, "checks": [], "error": f"{args.bundle}: {e}"}))
        else:
            print(f"{args.bundle}: {e}", file=sys.stderr)
        return 2
    found = verify_bundle(data, read_problems, args.witness)
    lines = []
    for name, problems, summary in found:
        if not problems:
            lines.append({"check": name, "ok": True, "detail": summary})
        for problem in problems[:MAX_LINES]:
            lines.append({"check": name, "ok": False, "detail": problem})
        if len(problems) > MAX_LINES:
            lines.append({"check": name, "ok": False, "detail": f"… and {len(problems) - MAX_LINES} more problems"})
    failed = sum(1 for _, problems, _ in found if problems)
    if args.json:
        print(json.dumps({"ok": failed == 0, "checks": lines}, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            print(f"{'ok  ' if line['ok'] else 'FAIL'} {line['check']}: {line['detail']}")
        print(f"{len(found) - failed} checks passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    try:
        sys.stdout.reconfigure(errors="backslashreplace")
    except AttributeError:
        pass
    parser = argparse.ArgumentParser(prog="verify.py", description="Laurel's independent verifier.")
    commands = parser.add_subparsers(dest="command", required=True)
    tally = commands.add_parser("tally", help="recount tally vectors, results documents or results answers")
    tally.add_argument("--json", action="store_true", help="print the recount as JSON")
    tally.add_argument("files", nargs="+", metavar="FILE")
    tally.set_defaults(run=tally_command)
    bundle = commands.add_parser("bundle", help="verify an audit bundle (docs/audit.md sections 19-21)")
    bundle.add_argument("--witness", action="append", default=[], type=witness, metavar="SEQ:HASH",
                        help="an event head held from elsewhere; repeatable")
    bundle.add_argument("--json", action="store_true", help='print {"ok", "checks": [{"check", "ok", "detail"}]}')
    bundle.add_argument("bundle", metavar="BUNDLE", help="the bundle, JSON or NDJSON")
    bundle.set_defaults(run=bundle_command)
    args = parser.parse_args(argv[1:])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
