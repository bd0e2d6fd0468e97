"""``maturity score`` streams its CSV: memory grows with respondents × questions, not with the file
(a huge export of repeated answers once took about 12× the file and ended in a MemoryError)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from conversations.frameworks import get_framework
from conversations.scoring_io import read_responses_csv

FRAMEWORK = get_framework("maturity-levels")
QUESTIONS = [q for d in FRAMEWORK.dimensions for q in d.questions]


def test_a_large_csv_is_read_in_memory_bounded_by_respondents_times_questions(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rounds = 2000  # 2000 × 10 respondents × 16 questions = 320,000 rows (about 9 MB)
    with path.open("w", encoding="utf-8") as out:
        out.write("respondent,question_id,level,comment\n")
        for r in range(rounds):
            for person in range(10):
                for q in QUESTIONS:
                    out.write(f"person-{person},{q.id},{(r + person) % 5},seen in round {r}\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        framework, answers = read_responses_csv(path, FRAMEWORK.id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert framework.id == FRAMEWORK.id
    assert len(answers) == 10 * len(QUESTIONS)  # one per respondent and question: the latest row
    last = rounds - 1
    assert {a.level for a in answers if a.respondent == "person-0"} == {last % 5}
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
