"""Laurel's tally, recounted independently (Python 3 standard library only).

Written from the rules in ../shared/vectors/README.md ("The rules, exactly"), docs/tally.md and docs/audit.md
sections 17 and 18, not from Laurel's TypeScript. `tally(data)` takes the neutral tally input of the shared vectors
(or the `input` of a results document) and returns the `expected` shape: per category `public`, `finalists`,
`jury`, `juryShare`, `publicShare`, `final`, `order`, `winners`; then `tieBreaks`, `flags` and `sensitivity`,
with rationals written as "p/q" in lowest terms (or "p").

Arithmetic is exact (fractions.Fraction) except for the two rounded figures of docs/tally.md: each z-score standard
deviation (an integer square root, rounded half-even to 6 decimals) and each exponential rank point (rounded
half-even to 6 decimals).

`finalists(data)` gives the finalists alone (rule 2), as decided at the close; tools/verify.py uses it to
check an audit bundle's `finalists.computed` event.

Used by tools/verify.py; the module does no I/O.
"""

import hashlib
import math
import re
from fractions import Fraction

MILLION = 10**6
HEX = re.compile(r"(?:[0-9a-fA-F]{2})+\Z")
DECIMAL = re.compile(r"\d+(?:\.\d+)?\Z")
ZERO_HASH = "0" * 64
STATUSES = ("counted", "flagged", "voided")
TIE_STEPS = ("jury", "public", "lot")

# docs/tally.md, "Rules of an award": what a rule left out of the input defaults to (docs/audit.md section 17).
DEFAULT_FINALISTS = {"mode": "public", "k": 3, "ties": "include", "tieChain": ["lot"]}
DEFAULT_RUBRIC = {
    "mode": "rubric",
    "scale": [1, 10],
    "criteria": [{"id": "merit", "weight": 1}],
    "normalize": "none",
    "trim": 0,
    "quorum": 1,
}
DEFAULT_RANKING = {"mode": "ranking", "rankPoints": {"kind": "borda"}, "institutionTieChain": ["lot"]}
DEFAULT_WEIGHTS = {"jury": 7000, "public": 3000}
DEFAULT_TIE_CHAIN = ["jury", "public", "lot"]


class InputError(Exception):
    """Input the tally refuses (not in the format, or a figure the rules cannot count); `path` says where."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = path


# ---------------------------------------------------------------------------------------------------------------
# Exact numbers


def rational(value):
    """A rational as the vectors write it: "p/q" in lowest terms, or "p" when q = 1."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def round_half_even_6(value):
    """`value` rounded half-even to 6 decimals, exactly."""
    scaled = Fraction(value) * MILLION
    whole = scaled.numerator // scaled.denominator
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return Fraction(whole, MILLION)


def sqrt_half_even_6(value):
    """The square root of a rational >= 0, rounded half-even to 6 decimals, with integers only.

    With value * 10^12 = p/q, a = floor(sqrt(p/q)) = isqrt(p // q). The root is rounded up when it exceeds a + 1/2,
    that is when p/q > (a + 1/2)^2, i.e. 4p > q(2a + 1)^2; equality (a rational that is an exact square of a
    half-integer) is the half-even tie.
    """
    scaled = Fraction(value) * MILLION * MILLION
    p, q = scaled.numerator, scaled.denominator
    a = math.isqrt(p // q)
    four_p, bound = 4 * p, q * (2 * a + 1) ** 2
    if four_p > bound or (four_p == bound and a % 2 == 1):
        a += 1
    return Fraction(a, MILLION)


def mean(values):
    return sum(values, Fraction(0)) / len(values)


def population_deviation(values):
    m = mean(values)
    return sqrt_half_even_6(mean([(v - m) ** 2 for v in values]))


def weighted_mean(pairs):
    """sum(w x v) / sum(w) over (weight, value) pairs with positive weights."""
    return sum((w * v for w, v in pairs), Fraction(0)) / sum(w for w, _ in pairs)


# ---------------------------------------------------------------------------------------------------------------
# Reading the input


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def need(condition, path, reason):
    if not condition:
        raise InputError(path, reason)


def need_int(value, path, minimum=None):
    need(is_int(value), path, "must be an integer")
    if minimum is not None:
        need(value >= minimum, path, f"must be at least {minimum}")
    return value


def need_str(value, path):
    need(isinstance(value, str) and value != "", path, "must be a non-empty string")
    return value


def need_list(value, path):
    need(isinstance(value, list), path, "must be a list")
    return value


def need_dict(value, path):
    need(isinstance(value, dict), path, "must be an object")
    return value


def decimal(value, path):
    """An integer or a decimal string ("0.827") as an exact rational."""
    if is_int(value):
        return Fraction(value)
    need(isinstance(value, str) and DECIMAL.match(value), path, "must be an integer or a decimal string")
    return Fraction(value)


def hex_bytes(value, path):
    if value is None:
        value = ZERO_HASH
    need(isinstance(value, str) and HEX.match(value), path, "must be hex digits, two per byte")
    return bytes.fromhex(value)


def tie_chain(value, path):
    steps = need_list(value, path)
    need(steps, path, "must not be empty")
    for i, step in enumerate(steps):
        need(step in TIE_STEPS, f"{path}[{i}]", "must be jury, public or lot")
    return list(steps)


def read_rules(raw):
    rules = need_dict(raw.get("rules", {}), "rules")
    finalists = {**DEFAULT_FINALISTS, **need_dict(rules.get("finalists", DEFAULT_FINALISTS), "rules.finalists")}
    need(finalists["mode"] in ("public", "organizer"), "rules.finalists.mode", "must be public or organizer")
    if finalists["mode"] == "public":
        need_int(finalists["k"], "rules.finalists.k", 1)
        need(finalists["ties"] in ("include", "break"), "rules.finalists.ties", "must be include or break")
        finalists["tieChain"] = tie_chain(finalists["tieChain"], "rules.finalists.tieChain")

    jury = need_dict(rules.get("jury", DEFAULT_RUBRIC), "rules.jury")
    if jury.get("mode", "rubric") == "rubric":
        jury = {**DEFAULT_RUBRIC, **jury}
        scale = need_list(jury["scale"], "rules.jury.scale")
        need(len(scale) == 2 and all(is_int(s) for s in scale) and scale[0] < scale[1], "rules.jury.scale",
             "must be [min, max] integers with min < max")
        criteria = need_list(jury["criteria"], "rules.jury.criteria")
        need(criteria, "rules.jury.criteria", "must not be empty")
        for i, c in enumerate(criteria):
            need_str(need_dict(c, f"rules.jury.criteria[{i}]").get("id"), f"rules.jury.criteria[{i}].id")
            need_int(c.get("weight"), f"rules.jury.criteria[{i}].weight", 1)
        need(jury["normalize"] in ("none", "zscore"), "rules.jury.normalize", "must be none or zscore")
        need_int(jury["trim"], "rules.jury.trim", 0)
        need_int(jury["quorum"], "rules.jury.quorum", 0)
    elif jury["mode"] == "ranking":
        jury = {**DEFAULT_RANKING, **jury}
        points = need_dict(jury["rankPoints"], "rules.jury.rankPoints")
        kind = points.get("kind")
        if kind == "list":
            for i, p in enumerate(need_list(points.get("points"), "rules.jury.rankPoints.points")):
                need_int(p, f"rules.jury.rankPoints.points[{i}]", 0)
        elif kind == "exponential":
            decimal(points.get("top"), "rules.jury.rankPoints.top")
            decimal(points.get("base"), "rules.jury.rankPoints.base")
        else:
            need(kind == "borda", "rules.jury.rankPoints.kind", "must be borda, list or exponential")
        if jury.get("institutionTable") is not None:
            for i, p in enumerate(need_list(jury["institutionTable"], "rules.jury.institutionTable")):
                need_int(p, f"rules.jury.institutionTable[{i}]", 0)
        jury["institutionTieChain"] = tie_chain(jury["institutionTieChain"], "rules.jury.institutionTieChain")
    else:
        raise InputError("rules.jury.mode", "must be rubric or ranking")

    weights = {**DEFAULT_WEIGHTS, **need_dict(rules.get("weights", DEFAULT_WEIGHTS), "rules.weights")}
    need_int(weights["jury"], "rules.weights.jury", 0)
    need_int(weights["public"], "rules.weights.public", 0)
    need(weights["jury"] + weights["public"] > 0, "rules.weights", "at least one weight must be positive")
    chain = tie_chain(rules.get("tieChain", DEFAULT_TIE_CHAIN), "rules.tieChain")
    return {"finalists": finalists, "jury": jury, "weights": weights, "tieChain": chain}


class Award:
    """The input, checked and indexed."""

    def __init__(self, raw):
        need_dict(raw, "(input)")
        self.rules = read_rules(raw)
        self.seed = hashlib.sha256(
            hex_bytes(raw.get("lotSecret"), "lotSecret") + hex_bytes(raw.get("closingRoot"), "closingRoot")
        ).digest()

        self.categories = []
        self.nominees = {}
        for i, c in enumerate(need_list(raw.get("categories", []), "categories")):
            path = f"categories[{i}]"
            cid = need_str(need_dict(c, path).get("id"), f"{path}.id")
            need(cid not in self.nominees, f"{path}.id", f"category {cid} appears twice")
            nominees = need_list(c.get("nominees"), f"{path}.nominees")
            for j, n in enumerate(nominees):
                need_str(n, f"{path}.nominees[{j}]")
            need(len(set(nominees)) == len(nominees), f"{path}.nominees", "a nominee appears twice")
            if c.get("k") is not None:
                need_int(c["k"], f"{path}.k", 1)
            need_int(c.get("winners", 1), f"{path}.winners", 1)
            self.categories.append(c)
            self.nominees[cid] = nominees

        self.votes = {cid: {n: 0 for n in ns} for cid, ns in self.nominees.items()}
        self.flagged = {cid: {n: 0 for n in ns} for cid, ns in self.nominees.items()}
        for i, b in enumerate(need_list(raw.get("ballots", []), "ballots")):
            path = f"ballots[{i}]"
            cid, nominee = self.nominee_of(need_dict(b, path), path)
            need(b.get("status") in STATUSES, f"{path}.status", "must be counted, flagged or voided")
            # A results document aggregates its ballots (docs/audit.md section 18): `count` of them, else one.
            count = need_int(b.get("count", 1), f"{path}.count", 0)
            if b["status"] != "voided":
                self.votes[cid][nominee] += count
            if b["status"] == "flagged":
                self.flagged[cid][nominee] += count

        self.wildcards = {cid: [] for cid in self.nominees}
        for i, w in enumerate(need_list(raw.get("wildcards", []), "wildcards")):
            cid, nominee = self.nominee_of(need_dict(w, f"wildcards[{i}]"), f"wildcards[{i}]")
            if nominee not in self.wildcards[cid]:
                self.wildcards[cid].append(nominee)

        self.organizer = {}
        picked = need_dict(raw.get("organizerFinalists", {}), "organizerFinalists")
        for cid, nominees in picked.items():
            path = f"organizerFinalists.{cid}"
            need(cid in self.nominees, path, f"unknown category {cid}")
            for j, n in enumerate(need_list(nominees, path)):
                need(n in self.nominees[cid], f"{path}[{j}]", f"{n} is no nominee of {cid}")
            need(len(set(nominees)) == len(nominees), path, "a finalist appears twice")
            self.organizer[cid] = list(nominees)

        self.institutions = {}
        for i, inst in enumerate(need_list(raw.get("institutions", []), "institutions")):
            iid = need_str(need_dict(inst, f"institutions[{i}]").get("id"), f"institutions[{i}].id")
            need(iid not in self.institutions, f"institutions[{i}].id", f"institution {iid} appears twice")
            self.institutions[iid] = need_int(inst.get("weight"), f"institutions[{i}].weight", 1)

        self.jurors = {}
        for i, j in enumerate(need_list(raw.get("jurors", []), "jurors")):
            path = f"jurors[{i}]"
            jid = need_str(need_dict(j, path).get("id"), f"{path}.id")
            need(jid not in self.jurors, f"{path}.id", f"juror {jid} appears twice")
            need(j.get("institution") in self.institutions, f"{path}.institution", "unknown institution")
            weight = need_int(j.get("weight"), f"{path}.weight", 1)
            self.jurors[jid] = {"institution": j["institution"], "weight": weight}

        self.conflicts = set()
        for i, c in enumerate(need_list(raw.get("conflicts", []), "conflicts")):
            path = f"conflicts[{i}]"
            nominee = need_str(need_dict(c, path).get("nominee"), f"{path}.nominee")
            if "juror" in c:
                need(c["juror"] in self.jurors, f"{path}.juror", "unknown juror")
                self.conflicts.add(("juror", c["juror"], nominee))
            else:
                need(c.get("institution") in self.institutions, f"{path}.institution", "unknown institution")
                self.conflicts.add(("institution", c["institution"], nominee))

        self.sheets = need_list(raw.get("sheets", []), "sheets")
        for i, s in enumerate(self.sheets):
            path = f"sheets[{i}]"
            need(need_dict(s, path).get("juror") in self.jurors, f"{path}.juror", "unknown juror")
            need(s.get("category") in self.nominees, f"{path}.category", "unknown category")

    def nominee_of(self, obj, path):
        cid = obj.get("category")
        need(cid in self.nominees, f"{path}.category", "unknown category")
        need(obj.get("nominee") in self.nominees[cid], f"{path}.nominee", f"no nominee of {cid}")
        return cid, obj["nominee"]

    def eligible(self, juror, nominee):
        institution = self.jurors[juror]["institution"]
        return ("juror", juror, nominee) not in self.conflicts and (
            "institution", institution, nominee) not in self.conflicts

    def lot_key(self, nominee):
        """Rule 7: ascending SHA-256(seed || UTF-8(id)); the smallest is the best."""
        return hashlib.sha256(self.seed + nominee.encode("utf-8")).digest()


# ---------------------------------------------------------------------------------------------------------------
# Ties


class Ties:
    """Where the decisions a chain settles (`tieBreaks`) and the ties it leaves (`unresolved-tie`) are written.

    `record=False` is the sensitivity recount, which decides the same way but publishes nothing.
    """

    def __init__(self, record=True):
        self.record = record
        self.breaks = []
        self.unresolved = []

    def order(self, group, chain, keys, decision):
        """`group` ordered by the chain: each step is a key function, smaller is better.

        A step that tells some of the group apart settles it (one `tieBreaks` record naming the whole group) and
        splits it into groups of equal key, each going down the rest of the chain; a step that tells nobody apart
        is passed over. A group still tied at the end is ordered by nominee id and left unresolved.
        """
        if len(group) < 2:
            return list(group)
        for i, step in enumerate(chain):
            key = keys.get(step)
            if key is None:
                # A step with nothing to compare at this decision (the jury before finalists exist, the jury
                # inside an institution's own table) passes the group on.
                continue
            values = sorted({key(n) for n in group})
            if len(values) < 2:
                continue
            if self.record:
                self.breaks.append({"decision": decision, "nominees": sorted(group), "by": step})
            ordered = []
            for value in values:
                ordered += self.order([n for n in group if key(n) == value], chain[i + 1:], keys, decision)
            return ordered
        if self.record:
            self.unresolved.append((decision, sorted(group)))
        return sorted(group)


def ordered_by(nominees, score, chain, keys, decision, ties):
    """Nominees by `score` descending, each group of equal score ordered by the chain (rules 2, 4 and 6)."""
    ordered = []
    for value in sorted({score(n) for n in nominees}, reverse=True):
        group = [n for n in nominees if score(n) == value]
        ordered += ties.order(group, chain, keys, decision)
    return ordered


# ---------------------------------------------------------------------------------------------------------------
# Rule 2: finalists


def public_finalists(award, cid, votes, ties):
    """The finalists rule 2 gives in `public` mode for these counts: [(nominee, why)], wildcards after."""
    rule = award.rules["finalists"]
    category = next(c for c in award.categories if c["id"] == cid)
    k = category.get("k") if category.get("k") is not None else rule["k"]
    # Candidates by votes descending, equal counts by nominee id (code point order, as everywhere ids are sorted).
    candidates = sorted((n for n in award.nominees[cid] if votes[n] > 0), key=lambda n: (-votes[n], n))
    if len(candidates) <= k:
        picked = [(n, "top-k") for n in candidates]
    else:
        kth = votes[candidates[k - 1]]
        above = [n for n in candidates if votes[n] > kth]
        group = [n for n in candidates if votes[n] == kth]
        slots = k - len(above)
        picked = [(n, "top-k") for n in above]
        if len(group) <= slots:
            picked += [(n, "top-k") for n in group]
        elif rule["ties"] == "include":
            picked += [(n, "tie-included") for n in group]
        else:
            keys = {"public": lambda n: -votes[n], "lot": award.lot_key}
            chosen = ties.order(group, rule["tieChain"], keys, f"finalists:{cid}")[:slots]
            picked += [(n, "tie-broken") for n in chosen]
    return picked + wildcards_of(award, cid, [n for n, _ in picked])


def wildcards_of(award, cid, finalists):
    return [(n, "wildcard") for n in award.wildcards[cid] if n not in finalists]


def finalists_of(award, cid, ties):
    if award.rules["finalists"]["mode"] == "organizer":
        picked = [(n, "organizer") for n in award.organizer.get(cid, [])]
        return picked + wildcards_of(award, cid, [n for n, _ in picked])
    return public_finalists(award, cid, award.votes[cid], ties)


def finalists(raw, without_flagged=False):
    """The finalists rule 2 gives for the neutral input `raw`, per category id: [(nominee, why)], wildcards after.

    Only the rules, lot, categories, ballots, wildcards and organizer picks of `raw` matter. With `without_flagged`
    the flagged ballots are left out of the counts first (rule 8), as the results document's
    `changeWithoutFlagged` asks. Used by tools/verify.py to recompute the finalists decided at the close from an
    audit bundle (docs/audit.md section 21, check `finalists`). Raises InputError for input the tally refuses.
    """
    award = Award(raw)
    ties = Ties(record=False)
    picked = {}
    for category in award.categories:
        cid = category["id"]
        if award.rules["finalists"]["mode"] == "public":
            votes = award.votes[cid]
            if without_flagged:
                votes = {n: votes[n] - award.flagged[cid][n] for n in votes}
            picked[cid] = public_finalists(award, cid, votes, ties)
        else:
            picked[cid] = finalists_of(award, cid, ties)
    return picked


# ---------------------------------------------------------------------------------------------------------------
# Rule 3: rubric


def rubric_jury(award, cid, finalists, flags):
    """The jury score of each finalist (None when nobody eligible scored), flagging below-quorum finalists."""
    rule = award.rules["jury"]
    low, high = rule["scale"]
    criteria = rule["criteria"]
    total_weight = sum(c["weight"] for c in criteria)

    raws = []  # (juror, nominee, raw) of the sheets that count
    seen = set()
    for i, s in enumerate(award.sheets):
        if s["category"] != cid:
            continue
        path = f"sheets[{i}]"
        scores = need_dict(s.get("scores"), f"{path}.scores")
        nominee = s.get("nominee")
        # Only the sheets that count are checked further: one for a non-finalist or from a conflicted juror is
        # left out whatever it holds (docs/tally.md: "the tally skips it").
        if nominee not in finalists or not award.eligible(s["juror"], nominee):
            continue
        need((s["juror"], nominee) not in seen, path, "a second sheet of this juror for this finalist")
        seen.add((s["juror"], nominee))
        need(set(scores) == {c["id"] for c in criteria}, f"{path}.scores", "must score exactly the criteria")
        for c in criteria:
            score = need_int(scores[c["id"]], f"{path}.scores.{c['id']}")
            need(low <= score <= high, f"{path}.scores.{c['id']}", "off the scale")
        raw = Fraction(sum(c["weight"] * scores[c["id"]] for c in criteria), total_weight)
        raws.append((s["juror"], nominee, raw))

    normalized = {(j, n): raw for j, n, raw in raws}
    if rule["normalize"] == "zscore" and raws:
        everyone = [raw for _, _, raw in raws]
        big_m, big_s = mean(everyone), population_deviation(everyone)
        for juror in {j for j, _, _ in raws}:
            own = [raw for j, _, raw in raws if j == juror]
            m, s = mean(own), population_deviation(own)
            for j, n, raw in raws:
                if j == juror:
                    z = (raw - m) / s if s != 0 else Fraction(0)
                    normalized[(j, n)] = min(max(big_m + big_s * z, Fraction(low)), Fraction(high))

    trim = rule["trim"]
    jury = {}
    for nominee in finalists:
        scorers = sorted(((normalized[(j, n)], j) for j, n, _ in raws if n == nominee))
        if len(scorers) < rule["quorum"]:
            flags.append({"category": cid, "nominee": nominee, "flag": "below-quorum"})
        if trim > 0 and len(scorers) >= 2 * trim + 1:
            scorers = scorers[trim:-trim]
        by_institution = {}
        for x, juror in scorers:
            by_institution.setdefault(award.jurors[juror]["institution"], []).append((award.jurors[juror]["weight"], x))
        means = [(award.institutions[i], weighted_mean(pairs)) for i, pairs in by_institution.items()]
        jury[nominee] = weighted_mean(means) if means else None
    return jury


# ---------------------------------------------------------------------------------------------------------------
# Rule 4: ranking


def rank_points(rule, r, n):
    """The points of rank r (1 = best) among the n finalists left on a sheet."""
    points = rule["rankPoints"]
    if points["kind"] == "borda":
        return Fraction(n - r)
    if points["kind"] == "list":
        return Fraction(points["points"][r - 1]) if r <= len(points["points"]) else Fraction(0)
    top, base = decimal(points["top"], "top"), decimal(points["base"], "base")
    return round_half_even_6(top * base ** (r - 1))


def ranking_jury(award, cid, finalists, ties):
    """The jury score of each finalist (None when no institution ranked it)."""
    rule = award.rules["jury"]
    points = {}  # institution -> nominee -> [points of each juror who ranked it]
    seen = set()
    for i, s in enumerate(award.sheets):
        if s["category"] != cid:
            continue
        path = f"sheets[{i}]"
        need(s["juror"] not in seen, path, "a second ranking of this juror in this category")
        seen.add(s["juror"])
        ranking = need_list(s.get("ranking"), f"{path}.ranking")
        need(len(set(ranking)) == len(ranking), f"{path}.ranking", "a nominee is ranked twice")
        left = [n for n in ranking if n in finalists and award.eligible(s["juror"], n)]
        institution = award.jurors[s["juror"]]["institution"]
        for r, n in enumerate(left, start=1):
            points.setdefault(institution, {}).setdefault(n, []).append(rank_points(rule, r, len(left)))

    table = rule.get("institutionTable")
    votes = award.votes[cid]
    keys = {"public": lambda n: -votes[n], "lot": award.lot_key}
    jury = {n: None for n in finalists}
    for institution in award.institutions:  # the institutions' order, so that tieBreaks come out in it
        if institution not in points:
            continue
        means = {n: mean(p) for n, p in points[institution].items()}
        if table is None:
            given = means
        else:
            ranked = ordered_by([n for n in finalists if n in means], means.get, rule["institutionTieChain"], keys,
                                f"institution:{institution}:{cid}", ties)
            given = {n: Fraction(table[i]) if i < len(table) else Fraction(0) for i, n in enumerate(ranked)}
        weight = award.institutions[institution]
        for n, value in given.items():
            jury[n] = (jury[n] or Fraction(0)) + weight * value
    return jury


# ---------------------------------------------------------------------------------------------------------------
# Rules 5 and 6: shares, final, order


def shares(values, cid, flag, flags):
    """Each finalist's value over the total; a total of 0 gives each 1/n and flags the category."""
    total = sum(values.values(), Fraction(0))
    if total == 0:
        if flags is not None:
            flags.append({"category": cid, "flag": flag})
        return {n: Fraction(1, len(values)) for n in values}
    return {n: Fraction(v) / total for n, v in values.items()}


def standing(award, cid, finalists, jury, votes, flags, ties):
    """Shares, final values, order and winners for these public counts (rules 5 and 6)."""
    rule = award.rules["jury"]
    if rule["mode"] == "rubric":
        low, high = rule["scale"]
        xs = {n: (jury[n] - low) / (high - low) if jury[n] is not None else Fraction(0) for n in finalists}
    else:
        xs = {n: jury[n] if jury[n] is not None else Fraction(0) for n in finalists}
    jury_share = shares(xs, cid, "no-jury", flags)
    public_share = shares({n: votes[n] for n in finalists}, cid, "no-public-votes", flags)
    w = award.rules["weights"]
    final = {n: w["jury"] * jury_share[n] + w["public"] * public_share[n] for n in finalists}
    keys = {"jury": lambda n: -jury_share[n], "public": lambda n: -votes[n], "lot": award.lot_key}
    order = ordered_by(finalists, final.get, award.rules["tieChain"], keys, f"final:{cid}", ties)
    category = next(c for c in award.categories if c["id"] == cid)
    return jury_share, public_share, final, order, order[: category.get("winners", 1)]


# ---------------------------------------------------------------------------------------------------------------
# The tally


def tally(raw):
    """Recounts the neutral tally input `raw` (a dict read from JSON); returns the vectors' `expected` shape.

    Raises InputError for input the tally refuses.
    """
    award = Award(raw)
    ties = Ties()
    flags = []
    categories = []
    sensitivity = []
    for category in award.categories:
        cid = category["id"]
        votes = award.votes[cid]
        picked = finalists_of(award, cid, ties)
        finalists = [n for n, _ in picked]
        if not finalists:
            # docs/tally.md: a category without finalists has no winners and is flagged for both shares.
            flags += [{"category": cid, "flag": "no-jury"}, {"category": cid, "flag": "no-public-votes"}]
            jury, jury_share, public_share, final, order, winners = {}, {}, {}, {}, [], []
        else:
            if award.rules["jury"]["mode"] == "rubric":
                jury = rubric_jury(award, cid, finalists, flags)
            else:
                jury = ranking_jury(award, cid, finalists, ties)
            jury_share, public_share, final, order, winners = standing(award, cid, finalists, jury, votes, flags, ties)
        if ties.unresolved:
            # One flag per category however many ties were left; the groups themselves are not in the result.
            flags.append({"category": cid, "flag": "unresolved-tie"})
        ties.unresolved = []

        # Rule 8: the same count without the flagged ballots.
        unflagged = {n: votes[n] - award.flagged[cid][n] for n in votes}
        quiet = Ties(record=False)
        if award.rules["finalists"]["mode"] == "public":
            other = public_finalists(award, cid, unflagged, quiet)
            finalists_change = {n for n, _ in other} != set(finalists)
        else:
            finalists_change = False
        if finalists:
            other_winners = standing(award, cid, finalists, jury, unflagged, None, quiet)[4]
        else:
            other_winners = []
        sensitivity.append({
            "category": cid,
            "finalistsChange": finalists_change,
            "winnersChange": set(other_winners) != set(winners),
        })

        def written(values):
            return {n: rational(values[n]) if values[n] is not None else None for n in finalists}

        categories.append({
            "id": cid,
            "public": dict(votes),
            "finalists": [{"nominee": n, "why": why} for n, why in picked],
            "jury": written(jury),
            "juryShare": written(jury_share),
            "publicShare": written(public_share),
            "final": written(final),
            "order": order,
            "winners": winners,
        })
    return {"categories": categories, "tieBreaks": ties.breaks, "flags": flags, "sensitivity": sensitivity}
