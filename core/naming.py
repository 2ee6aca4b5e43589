"""Automatic persona names and two-sentence descriptions for segments, from a vocabulary kept as data.

``core/data/naming_vocabulary.csv`` holds three kinds of rows:

* ``persona``: one row per condition. A persona (``cash-advance users``) scores a segment by the weighted
  z-scores of its features in the stated direction (``high`` / ``low``), divided by the persona's total weight;
  the first row's ``text`` starts the description and claims only what that row measures (the second sentence
  gives the measured figures), so a table without a payments column is never told about payments. ``feature`` is
  a regular expression on the normalised column name, so a bank's own names can be added as alternatives.
* ``tier``: credit-limit tiers by the segment's limit index (portfolio average = 100), ``lower <= index < upper``.
* ``layout``: for each layout from :func:`core.schema.detect_layout`, the persona families it uses and the
  name pattern (``{tier} {persona}`` for AllLife-style channel data).

Personas are matched to segments one to one (the assignment with the largest total score, scipy's
``linear_sum_assignment``), so two segments never get the same persona. A segment no persona fits well is
named after its most unusual feature ("high online visits"); names that still collide get the next trait or
the credit-limit tier, never a number. When categorical features took part, a segment where a level is clearly
the usual one says so: ``Premium high-limit, mostly M (gender) and $80K - $120K``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from core.profiles import SegmentProfiles, feature_words, normalise_name

_VOCABULARY_CSV = Path(__file__).with_name("data") / "naming_vocabulary.csv"
MIN_SCORE = 0.3  # average weighted z-score a persona needs to name a segment
MIN_COVERAGE = 0.5  # share of a persona's weight whose features must be present
Z_CLIP = 2.0  # one extreme feature must not carry a persona alone
NOISE_NAME = "Unassigned (noise)"  # the one name of segment -1 everywhere: pages, charts, workbook, trends
MOSTLY_SHARE = 0.6  # a level held by at least this share of a segment ...
MOSTLY_LIFT = 0.15  # ... and this many points more than among all customers goes into the name
MAX_NAME_LEVELS = 2
# Levels that mean nothing without their feature ("mostly Unknown"): named with the feature's label.
_VAGUE_LEVELS = frozenset({"unknown", "other", "(other)", "(missing)", "missing", "none", "n/a", "yes", "no"})


@dataclass(frozen=True)
class SegmentName:
    """A segment's display name and its two-sentence description."""

    name: str
    description: str


@dataclass(frozen=True)
class _Persona:
    name: str
    family: str
    rules: tuple[tuple[re.Pattern[str], float], ...]  # (feature pattern, signed weight)
    text: str


@dataclass(frozen=True)
class _Vocabulary:
    personas: tuple[_Persona, ...]
    tiers: tuple[tuple[str, re.Pattern[str], float, float], ...]
    layouts: dict[str, tuple[frozenset[str], str]]


@cache
def _vocabulary() -> _Vocabulary:
    table = pd.read_csv(_VOCABULARY_CSV, dtype="string", keep_default_na=False)
    layouts = {
        row.name: (frozenset(row.family.split("|")), row.text)
        for row in table[table["kind"] == "layout"].itertuples(index=False)
    }
    tiers = tuple(
        (row.name, re.compile(f"(?:{row.feature})"), float(row.lower), float(row.upper))
        for row in table[table["kind"] == "tier"].itertuples(index=False)
    )
    personas = []
    rows = table[table["kind"] == "persona"]
    for name, group in rows.groupby("name", sort=False):
        rules = tuple(
            (re.compile(f"(?:{r.feature})"), float(r.weight) * (1.0 if r.direction == "high" else -1.0))
            for r in group.itertuples(index=False)
        )
        text = next((t for t in group["text"] if t), f"Customers described as {name}")
        personas.append(_Persona(str(name), str(group["family"].iloc[0]), rules, text))
    return _Vocabulary(tuple(personas), tiers, layouts)


def _matching_column(pattern: re.Pattern[str], normalised: dict[str, str]) -> str | None:
    return next((column for column, key in normalised.items() if pattern.fullmatch(key)), None)


def persona_scores(profiles: SegmentProfiles, layout: str = "generic") -> pd.DataFrame:
    """Score every persona of the layout's families against every segment (noise excluded).

    Returns
    -------
    pandas.DataFrame
        Index: segment id; columns: persona names; values: weighted mean z-score (over the features present)
        in the persona's direction,
        clipped to +-2 per feature. Personas with less than half of their weight present are left out.
    """
    vocabulary = _vocabulary()
    families, _ = vocabulary.layouts.get(layout, vocabulary.layouts["generic"])
    normalised = {column: normalise_name(column) for column in profiles.zscores.columns}
    segments = [s for s in profiles.zscores.index if s >= 0]
    z = profiles.zscores.loc[segments].clip(-Z_CLIP, Z_CLIP)
    scores: dict[str, pd.Series] = {}
    for persona in vocabulary.personas:
        if persona.family not in families:
            continue
        total = sum(abs(w) for _, w in persona.rules)
        score = pd.Series(0.0, index=z.index)
        present = 0.0
        for pattern, weight in persona.rules:
            column = _matching_column(pattern, normalised)
            if column is not None:
                score += weight * z[column]
                present += abs(weight)
        if total and present / total >= MIN_COVERAGE:
            scores[persona.name] = score / present
    return pd.DataFrame(scores, index=pd.Index(segments, name="segment"))


def credit_tier(profiles: SegmentProfiles, segment: int) -> str | None:
    """Return the segment's credit-limit tier (``low-limit``, ``mid-limit``, ``premium``), or None."""
    vocabulary = _vocabulary()
    normalised = {column: normalise_name(column) for column in profiles.index.columns}
    for name, pattern, lower, upper in vocabulary.tiers:
        column = _matching_column(pattern, normalised)
        if column is None:
            continue
        value = profiles.index.loc[segment, column]
        if np.isfinite(value) and lower <= value < upper:
            return name
    return None


def _traits(profiles: SegmentProfiles, segment: int) -> list[str]:
    """Short trait phrases, most unusual feature first: ``high one-off purchases``, ``low balance``."""
    z = profiles.zscores.loc[segment]
    order = z.abs().sort_values(ascending=False, kind="stable").index
    return [f"{'high' if z[f] >= 0 else 'low'} {feature_words(f).label}" for f in order if z[f] != 0]


def level_tag(feature: str, level: str) -> str:
    """Return how a level reads in a name: as is when it speaks for itself, else with its feature's label.

    Examples
    --------
    >>> level_tag("Card_Category", "Platinum"), level_tag("Gender", "F"), level_tag("Education_Level", "Unknown")
    ('Platinum', 'F (gender)', 'Unknown (education level)')
    """
    text = str(level)
    if len(text) <= 3 or text.strip().lower() in _VAGUE_LEVELS or not re.search(r"[A-Za-z]{3}", text):
        return f"{text} ({feature_words(feature).label})"
    return text


def category_tags(profiles: SegmentProfiles, segment: int) -> list[str]:
    """Return the levels that are clearly usual in a segment, for its name (largest lift first, one per feature).

    A level qualifies when it holds at least :data:`MOSTLY_SHARE` of the segment and :data:`MOSTLY_LIFT` more of
    it than of all customers; empty without categorical features.
    """
    levels = profiles.levels
    if levels.empty:
        return []
    rows = levels[levels["segment"] == segment]
    rows = rows.assign(lift=rows["share"] - rows["portfolio_share"])
    rows = rows[(rows["share"] >= MOSTLY_SHARE) & (rows["lift"] >= MOSTLY_LIFT)]
    rows = rows.sort_values("lift", ascending=False, kind="stable").drop_duplicates("feature")
    return [level_tag(r.feature, r.level) for r in rows.head(MAX_NAME_LEVELS).itertuples(index=False)]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _description(profiles: SegmentProfiles, segment: int, lead: str) -> str:
    sizes = profiles.sizes.set_index("segment")
    size, share = int(sizes.loc[segment, "size"]), float(sizes.loc[segment, "share"])
    first = f"{_capitalise(lead)} ({size:,} customer{'' if size == 1 else 's'}, {share:.0%} of the portfolio)."
    highlights = profiles.highlights.get(int(segment), [])
    if not highlights:
        return f"{first} The typical customer here is close to the portfolio average on every feature."
    listed = highlights[0] if len(highlights) == 1 else ", ".join(highlights[:-1]) + " and " + highlights[-1]
    return f"{first} The typical customer here {listed}."


def _assign_personas(scores: pd.DataFrame) -> dict[int, str]:
    """One persona per segment, maximising the total score; segments scoring under MIN_SCORE get none."""
    if scores.empty or scores.shape[1] == 0:
        return {}
    rows, cols = linear_sum_assignment(scores.to_numpy(), maximize=True)
    chosen: dict[int, str] = {}
    for r, c in zip(rows, cols, strict=True):
        if scores.iloc[r, c] >= MIN_SCORE:
            chosen[int(scores.index[r])] = str(scores.columns[c])
    return chosen


def name_segments(profiles: SegmentProfiles, layout: str = "generic") -> dict[int, SegmentName]:
    """Name and describe every segment from its profile.

    Parameters
    ----------
    profiles : SegmentProfiles
        From :func:`core.profiles.profile_segments`.
    layout : str
        From :func:`core.schema.detect_layout`: ``cc_general``, ``alllife``, ``transactions`` or ``generic``;
        it picks the persona families and the name pattern (unknown values read as ``generic``).

    Returns
    -------
    dict[int, SegmentName]
        Segment id -> unique name (first letter capitalised) and a two-sentence description. Noise (``-1``)
        is called ``Unassigned (noise)``.
    """
    vocabulary = _vocabulary()
    _, pattern = vocabulary.layouts.get(layout, vocabulary.layouts["generic"])
    scores = persona_scores(profiles, layout)
    personas = {p.name: p for p in vocabulary.personas}
    chosen = _assign_personas(scores)
    uses_tier = "{tier}" in pattern

    names: dict[int, str] = {}
    leads: dict[int, str] = {}
    for segment in profiles.segments:
        if segment < 0:
            continue
        tier = credit_tier(profiles, segment) if uses_tier else None
        traits = _traits(profiles, segment)
        if segment in chosen:
            base = pattern.format(persona=chosen[segment], tier=tier or "").strip()
            leads[segment] = personas[chosen[segment]].text
        else:
            trait = traits[0] if traits else "average customers"
            base = f"{tier} customers, {trait}" if tier else trait
            leads[segment] = f"Customers with {trait}" if traits else "Customers close to the portfolio average"
        tags = category_tags(profiles, segment)
        if tags:
            base = f"{base}, mostly {' and '.join(tags)}"
        names[segment] = _capitalise(base)
    names = _disambiguate(profiles, names)

    result = {
        segment: SegmentName(names[segment], _description(profiles, segment, leads[segment])) for segment in names
    }
    if -1 in profiles.segments:
        lead = "Customers the algorithm left outside every segment"
        result[-1] = SegmentName(NOISE_NAME, _description(profiles, -1, lead))
    return dict(sorted(result.items()))


def _disambiguate(profiles: SegmentProfiles, names: dict[int, str]) -> dict[int, str]:
    """Make names unique by adding the tier, then the next most unusual trait, then the relative size."""
    names = dict(names)
    for step in range(4):
        seen: dict[str, list[int]] = {}
        for segment, name in names.items():
            seen.setdefault(name.lower(), []).append(segment)
        clashes = [group for group in seen.values() if len(group) > 1]
        if not clashes:
            return names
        for group in clashes:
            for segment in group:
                traits = _traits(profiles, segment)
                tier = credit_tier(profiles, segment)
                if step == 0 and tier and tier not in names[segment].lower():
                    extra = tier
                elif step < len(traits):
                    extra = next((t for t in traits if t not in names[segment].lower()), "")
                else:
                    extra = ""
                if extra:
                    names[segment] = f"{names[segment]}, {extra}"
    # identical profiles: tell them apart by size, largest first
    seen = {}
    for segment, name in names.items():
        seen.setdefault(name.lower(), []).append(segment)
    sizes = profiles.sizes.set_index("segment")["size"]
    ordinals = ("larger", "smaller", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
    for group in seen.values():
        if len(group) > 1:
            for position, segment in enumerate(sorted(group, key=lambda s: (-sizes[s], s))):
                label = (
                    ordinals[position]
                    if position < len(ordinals)
                    else f"{sizes[segment]:,} customer{'' if sizes[segment] == 1 else 's'}"
                )
                if len(group) > 2 and position < 2:
                    label = ("largest", "second")[position]
                names[segment] = f"{names[segment]} ({label} group)"
    return names


def display_name(segment: int, names: Mapping[int, str] | None = None) -> str:
    """Return a segment's display name: its given name, else :data:`NOISE_NAME` for -1 and ``Segment N`` otherwise.

    Examples
    --------
    >>> display_name(2), display_name(-1), display_name(0, {0: "Revolvers"})
    ('Segment 2', 'Unassigned (noise)', 'Revolvers')
    """
    given = (names or {}).get(int(segment))
    if given:
        return given
    return NOISE_NAME if segment < 0 else f"Segment {segment}"


def edited_names(edits: Mapping[int, object], automatic: Mapping[int, str]) -> tuple[dict[int, str], list[str]]:
    """Apply a user's name edits: blanks fall back to the automatic name; return ``(names, duplicates)``.

    Names must be unique regardless of capitals (the segment model and the workbook refuse two ``Savers``);
    ``duplicates`` lists the names used more than once, sorted, and is empty when the edits can be kept.

    Examples
    --------
    >>> edited_names({0: " Savers ", 1: ""}, {0: "A", 1: "B"})
    ({0: 'Savers', 1: 'B'}, [])
    >>> edited_names({0: "Savers", 1: "savers"}, {0: "A", 1: "B"})[1]
    ['Savers', 'savers']
    """
    names = {
        int(s): (str(n).strip() if isinstance(n, str) and n.strip() else automatic[int(s)]) for s, n in edits.items()
    }
    folded = [n.casefold() for n in names.values()]
    return names, sorted({n for n in names.values() if folded.count(n.casefold()) > 1})
