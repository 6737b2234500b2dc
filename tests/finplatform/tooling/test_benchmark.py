"""The offline plan of the largest stack stays close to the SDK's own floor."""

from finplatform.tooling.benchmark import run_benchmark


def test_prod_plan_takes_at_most_twice_the_sdk_floor() -> None:
    # GIVEN the prod stack, the largest
    # WHEN the plan and a bare SDK program declaring as many resources of the same types are timed
    result = run_benchmark("prod", repeat=1)  # one run each: the margins (about 1.3 and 1.7) are wide
    # THEN the program and cost model cost no more than twice the floor
    assert result.resources >= 25
    assert result.ratio <= 2.0, f"plan {result.plan_seconds:.2f} s vs floor {result.floor_seconds:.2f} s"
    # AND the four policy packs, driven concurrently, cost at most one and a half times the program again
    # (each Analyze call costs the pack a deserialisation per policy, so this grows with the resources)
    assert result.full_plan_seconds <= 2.5 * result.plan_seconds, f"full plan {result.full_plan_seconds:.2f} s"
