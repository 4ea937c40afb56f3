"""The data generator: seeded, valid, and keeping the truth that matching is scored against."""

from collections import Counter

from registry.datagen import generate
from registry.domain.identifiers import parse_citizen_id, validate_uscc


def test_same_seed_same_world():
    a, b = generate(seed=7), generate(seed=7)
    assert [e.name for e in a.experts] == [e.name for e in b.experts]
    assert [(r.kind, r.source, r.target) for r in a.relations] == [(r.kind, r.source, r.target) for r in b.relations]
    assert [e.name for e in generate(seed=8).experts] != [e.name for e in a.experts]


def test_identifiers_are_valid_and_unique():
    world = generate(experts=400, institutions=120, seed=3)
    people = [e for e in world.experts if e.duplicate_of is None]
    for e in world.experts:
        assert parse_citizen_id(e.id_number).is_male == (e.gender == "male")
    assert len({e.id_number for e in people}) == len(people)
    codes = [i.uscc for i in world.institutions if i.uscc]
    assert all(validate_uscc(c) == c for c in codes) and len(set(codes)) == len(codes)
    assert len({i.name for i in world.institutions}) == len(world.institutions)


def test_truth_of_variants_and_duplicates_is_kept():
    world = generate(experts=1000, institutions=300, seed=5, duplicate_rate=0.05)
    kinds = Counter(kind for _, _, kind in world.institution_truth())
    assert {"traditional", "spacing", "legal_form", "abbreviation", "campus"} <= set(kinds)
    names = {i.id: i.name for i in world.institutions}
    for text, inst_id, _kind in world.institution_truth():
        assert text != names[inst_id]
    pairs = world.duplicate_pairs()
    assert 20 <= len(pairs) <= 90
    by_id = {e.id: e for e in world.experts}
    for original, copy in pairs:
        assert by_id[copy].id_number == by_id[original].id_number or by_id[copy].phone == by_id[original].phone \
            or by_id[copy].email == by_id[original].email


def test_schools_sit_inside_universities_and_relations_cover_every_kind():
    world = generate(experts=500, institutions=150, items=100, seed=11)
    kinds = {i.id: i.kind for i in world.institutions}
    children = [i for i in world.institutions if i.parent_id]
    assert children and all(kinds[c.parent_id] == "university" for c in children)
    relation_kinds = {r.kind for r in world.relations}
    assert relation_kinds == {"employed_by", "part_of", "co_worked", "supervised", "relative_of", "shareholder_of",
                              "director_of", "adviser_of", "funded_by", "controlled_by", "interest_in", "argued_before"}
    assert all(r.source[0] != "item" for r in world.relations)
