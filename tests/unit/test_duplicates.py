"""Likely duplicate experts, scored against the generator's truth."""

from conflicts.duplicates import PersonRecord, flag_duplicates
from conflicts.names import normalise
from registry.datagen import generate


def records(world):
    return [PersonRecord(e.id, e.name, e.id_number, e.phone, e.email, int(e.id_number[6:10]),
                         normalise(e.employments[-1].employer_name)) for e in world.experts]


def test_same_person_in_traditional_characters_is_flagged():
    a = PersonRecord(1, "张国庆", "", "13800000001", "zgq@example.cn")
    b = PersonRecord(2, "張國慶", "", "13800000001", "")
    c = PersonRecord(3, "张国庆", "", "13900000002", "other@example.cn")  # a namesake: not flagged
    flags = flag_duplicates([a, b, c])
    assert [(f.first, f.second) for f in flags] == [(1, 2)]
    assert "规范化后姓名相同" in flags[0].reasons


def test_precision_and_recall_on_generated_duplicates():
    world = generate(experts=5000, institutions=300, items=1, seed=21, duplicate_rate=0.03)
    truth = world.duplicate_pairs()
    flagged = {(f.first, f.second) for f in flag_duplicates(records(world))}
    true_positives = len(flagged & truth)
    assert true_positives / len(flagged) >= 0.9
    assert true_positives / len(truth) >= 0.8
