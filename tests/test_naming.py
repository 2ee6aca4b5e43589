"""Automatic segment names: the analysts' personas, unique names, two-sentence descriptions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.naming import NOISE_NAME, name_segments, persona_scores
from core.profiles import profile_segments
from core.samples import generate_alllife

CARD_COLUMNS = [
    "BALANCE",
    "PURCHASES",
    "ONEOFF_PURCHASES",
    "INSTALLMENTS_PURCHASES",
    "CASH_ADVANCE",
    "PURCHASES_FREQUENCY",
    "ONEOFF_PURCHASES_FREQUENCY",
    "PURCHASES_INSTALLMENTS_FREQUENCY",
    "CASH_ADVANCE_FREQUENCY",
    "CREDIT_LIMIT",
    "PRC_FULL_PAYMENT",
]
# one typical customer per behaviour, in CC GENERAL's units
TYPES = {
    "inactive": [2500, 30, 20, 10, 100, 0.05, 0.02, 0.03, 0.05, 4000, 0.02],
    "one-off": [1500, 4000, 3200, 800, 200, 0.9, 0.7, 0.4, 0.05, 9000, 0.2],
    "instalment": [900, 700, 50, 650, 50, 0.85, 0.05, 0.8, 0.02, 3500, 0.12],
    "cash": [4000, 100, 60, 40, 3500, 0.1, 0.05, 0.05, 0.6, 5000, 0.0],
}


def card_frame(counts: dict[str, int]) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for segment, (kind, count) in enumerate(counts.items()):
        base = np.array(TYPES[kind.split("#")[0]], dtype=float)
        rows.append(base * rng.uniform(0.9, 1.1, size=(count, len(base))))
        labels += [segment] * count
    return pd.DataFrame(np.vstack(rows), columns=CARD_COLUMNS), np.array(labels)


def names_of(counts: dict[str, int], layout: str = "cc_general") -> dict[int, str]:
    frame, labels = card_frame(counts)
    return {s: n.name for s, n in name_segments(profile_segments(frame, labels, CARD_COLUMNS), layout).items()}


def test_card_segments_read_like_the_analysts_names():
    names = names_of({"inactive": 40, "one-off": 20, "instalment": 25, "cash": 15})
    assert names == {
        0: "Inactive with high balance",
        1: "One-off big spenders",
        2: "Instalment buyers",
        3: "Cash-advance users",
    }


def test_descriptions_are_two_sentences_with_size_and_plain_words():
    frame, labels = card_frame({"inactive": 40, "one-off": 20, "instalment": 25, "cash": 15})
    named = name_segments(profile_segments(frame, labels, CARD_COLUMNS), "cc_general")
    description = named[3].description
    assert description.startswith("Customers who draw more cash on the card than others (15 customers")
    assert len(re.findall(r"[.!?](?:\s|$)", description)) == 2
    assert "cash advance" in description


def test_two_segments_that_would_get_the_same_persona_get_different_names():
    names = names_of({"cash": 30, "cash#2": 30, "one-off": 40})
    assert len(set(names.values())) == 3
    assert "Cash-advance users" in names.values()
    assert not any(re.search(r"\(\d+\)|Segment \d", name) for name in names.values())


def test_identical_segments_are_told_apart_by_size_never_by_a_number():
    frame = pd.DataFrame({"x": [1.0, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0, 5.0], "CREDIT_LIMIT": [1.0] * 8})
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])  # segments 1 and 2 are identical: a tie on every trait
    named = name_segments(profile_segments(frame, labels, ["x", "CREDIT_LIMIT"]), "generic")
    names = [n.name for n in named.values()]
    assert len(set(names)) == 3
    assert names[2].endswith("(larger group)") and names[1].endswith("(smaller group)")


def test_noise_gets_its_own_name_and_is_not_matched_to_a_persona():
    frame, labels = card_frame({"inactive": 30, "cash": 30})
    labels = labels.copy()
    labels[:5] = -1
    profiles = profile_segments(frame, labels, CARD_COLUMNS)
    assert -1 not in persona_scores(profiles, "cc_general").index
    assert name_segments(profiles, "cc_general")[-1].name == NOISE_NAME


def test_alllife_groups_are_named_by_limit_tier_and_channel():
    frame, groups = generate_alllife(return_groups=True)
    features = [
        "Avg_Credit_Limit",
        "Total_Credit_Cards",
        "Total_visits_bank",
        "Total_visits_online",
        "Total_calls_made",
    ]
    labels = pd.factorize(groups, sort=True)[0]
    profiles = profile_segments(frame, labels, features)
    names = {n.name.lower() for n in name_segments(profiles, "alllife").values()}
    assert names == {"low-limit phone-first", "mid-limit branch-first", "premium online-first"}


def test_unknown_layouts_fall_back_to_the_most_unusual_trait():
    frame = pd.DataFrame({"visits": [1.0, 1.0, 9.0, 9.0], "age": [30.0, 31.0, 30.0, 31.0]})
    named = name_segments(profile_segments(frame, [0, 0, 1, 1], ["visits", "age"]), "generic")
    assert [n.name for n in named.values()] == ["Low visits", "High visits"]
