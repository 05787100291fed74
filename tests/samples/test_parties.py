"""Tax IDs and the customer master's near-duplicate distractors."""
from __future__ import annotations

import random
from difflib import SequenceMatcher

import stdnum.cn.uscc

from samples import parties as P


def test_generated_tax_ids_pass_gb32100_and_stdnum() -> None:
    rng = random.Random(1)
    for _ in range(300):
        region = rng.choice(P.REGIONS)
        first = rng.choice("9915Y")
        code = P.make_uscc(rng, region, first)
        assert P.uscc_is_valid(code), code
        assert code[2:4] == region.city_prefix[:2]  # division digits come from the region
        if first == "9":  # stdnum rejects letter-led codes, see DOMAIN.md
            assert stdnum.cn.uscc.is_valid(code), code


def test_check_char_matches_a_published_code() -> None:
    # 91350100M000100Y43 is the example in GB 32100-2015
    assert P.uscc_check_char("91350100M000100Y4") == "3"


def test_master_has_near_duplicates_with_distinct_tax_ids() -> None:
    master = P.build_master(random.Random(4))
    assert 150 <= len(master) <= 300
    names = [c.party.name for c in master]
    ids = [c.party.tax_id for c in master]
    assert len(set(names)) == len(names) and len(set(ids)) == len(ids)
    near = 0
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if SequenceMatcher(None, a, b).ratio() >= 0.8:
                near += 1
    assert near >= 30, near  # distractors really are one small edit away


def test_name_variants_stay_close_to_the_master_name() -> None:
    rng = random.Random(6)
    for c in P.build_master(random.Random(4))[:80]:
        variant = P.name_variant(rng, c.party.name)
        assert variant and variant != c.party.name
        squash = lambda s: s.replace(" ", "").replace("(", "（").replace(")", "）")  # noqa: E731
        assert SequenceMatcher(None, squash(variant), squash(c.party.name)).ratio() > 0.8
