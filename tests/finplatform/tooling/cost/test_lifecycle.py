"""Buckets are priced in the storage classes their declared lifecycle moves objects to (issue 14)."""

from typing import Any

import pytest

from finplatform.tooling.cost.model import UNEXPIRED_HORIZON_DAYS, PricedResource, estimate, storage_blend
from finplatform.usage import parse_usage

USAGE = parse_usage("prod", [])


@pytest.mark.parametrize(
    ("transitions", "expiry", "expected"),
    [
        ([], None, [("STANDARD", 1.0)]),
        ([(30, "STANDARD_IA")], 365, [("STANDARD", 30 / 365), ("STANDARD_IA", 335 / 365)]),
        ([(0, "INTELLIGENT_TIERING")], None, [("INTELLIGENT_TIERING", 1.0)]),
        ([(400, "GLACIER_IR")], 365, [("STANDARD", 1.0)]),  # the transition comes after the objects expire
    ],
)
def test_the_blend_is_the_share_of_an_objects_life_in_each_class(
    transitions: list[tuple[int, str]], expiry: int | None, expected: list[tuple[str, float]]
) -> None:
    # GIVEN a lifecycle WHEN blended THEN each class holds the share of the object's life it spends there
    shares = storage_blend(transitions, expiry)
    assert [(cls, round(share, 6)) for cls, share in shares] == [(cls, round(s, 6)) for cls, s in expected]
    assert abs(sum(share for _, share in shares) - 1.0) < 1e-9


def res(type_: str, logical: str, **props: Any) -> PricedResource:
    return PricedResource(f"urn:pulumi:prod::finplatform::{type_}::{logical}", type_, logical, props, "us-east-1")


def test_an_audit_bucket_is_priced_mostly_in_its_archive_classes() -> None:
    # GIVEN an audit bucket whose lifecycle moves objects to Glacier IR at 90 days and Deep Archive at 365, and a
    # bucket without a lifecycle
    audit = res("aws:s3/bucket:Bucket", "audit", bucket="audit-bucket")
    lifecycle = res(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "audit-lifecycle",
        bucket="audit-bucket",
        rules=[
            {
                "status": "Enabled",
                "transitions": [
                    {"days": 90, "storageClass": "GLACIER_IR"},
                    {"days": 365, "storageClass": "DEEP_ARCHIVE"},
                ],
            }
        ],
    )
    plain = res("aws:s3/bucket:Bucket", "plain", bucket="plain-bucket")
    # WHEN priced
    items = {i.urn.rsplit("::", 1)[-1]: i for i in estimate([audit, lifecycle, plain], USAGE).items}
    # THEN the audit bucket costs a fraction of Standard, over its three years, and says how it was blended
    assert items["plain"].monthly_usd == pytest.approx(USAGE.s3StorageGb * 0.023)
    assert items["audit"].monthly_usd < items["plain"].monthly_usd / 4
    assert "DEEP_ARCHIVE" in items["audit"].basis and UNEXPIRED_HORIZON_DAYS > 365


def test_each_line_splits_into_a_baseline_at_zero_usage_and_what_usage_adds() -> None:
    # GIVEN a NAT gateway (hours plus processed GB) and a bucket (GB stored only)
    nat = res("aws:ec2/natGateway:NatGateway", "nat", connectivityType="public")
    bucket = res("aws:s3/bucket:Bucket", "plain", bucket="plain-bucket")
    # WHEN priced
    result = estimate([nat, bucket], USAGE)
    items = {i.urn.rsplit("::", 1)[-1]: i for i in result.items}
    # THEN the NAT's baseline is its hours and its usage the GB it processes; the bucket is all usage
    assert 0 < items["nat"].baseline_usd < items["nat"].monthly_usd
    assert items["plain"].baseline_usd == 0 and items["plain"].usage_usd > 0
    assert result.baseline_usd + result.usage_usd == pytest.approx(result.monthly_usd)
