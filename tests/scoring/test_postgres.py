"""The scorer on PostgreSQL (the LRS's database): attempts counted and submits claimed once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from leerpad.lrs.testing import TemporaryPostgres
from tests.scoring.conftest import COURSE, RIGHT, WRONG, Scoring, copy_demo, learner, start_scored_lrs

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_scoring(postgres: TemporaryPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scoring]:
    course = copy_demo(Path(tmp_path_factory.mktemp("pg")) / "course")
    lrs = start_scored_lrs(course, database=postgres.create_database("scorer"))
    yield Scoring(lrs)
    lrs.stop()


def test_concurrent_starts_and_submits_count_once_on_postgresql(pg_scoring: Scoring) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=6) as pool:
        starts = list(pool.map(lambda _: pg_scoring.start("toegang-toets", actor, registration=registration), range(6)))
    assert sorted(s.status_code for s in starts) == [200, 200, 200, 409, 409, 409]
    started = next(s.json() for s in starts if s.status_code == 200)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda n: pg_scoring.answer(started, RIGHT if n % 2 else WRONG), range(6)))
    assert len({a.text for a in answers}) == 1
    graded = pg_scoring.statements(registration=registration, activity=f"{COURSE}/quiz/toegang-toets")
    assert len(graded) == 1
    assert graded[0]["authority"]["name"] == "Leerpad-scorer"


def test_the_course_is_completed_on_postgresql(pg_scoring: Scoring) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    assert pg_scoring.start("eindtoets", actor).status_code == 409
    pg_scoring.passes("toegang-toets", actor, registration)
    pg_scoring.passes("verbondenheid-toets", actor, registration)
    assert pg_scoring.passes("eindtoets", actor, registration)["success"] is True
    verbs = sorted(
        s["verb"]["id"].rsplit("/", 1)[1] for s in pg_scoring.statements(registration=registration, activity=COURSE)
    )
    assert verbs == ["completed", "passed"]
