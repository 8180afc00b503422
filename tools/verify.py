#!/usr/bin/env python3
"""Laurel's independent verifier (Python 3 standard library only).

Usage:
  python3 tools/verify.py tally [--json] FILE...

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

The tally is one subcommand; the bundle checks (chains, checkpoints, signatures) are meant to join it as more
subcommands, reusing tools/audit_vectors.py and tools/ed25519.py the way this file reuses their JSON reading.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import audit_vectors  # noqa: E402  (needs the path above)
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
    args = parser.parse_args(argv[1:])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
