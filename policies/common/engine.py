"""Subjects as the project's own models take them; only the packs that judge with those models import this, so
the others stay free of the project's code."""

from collections.abc import Sequence

from finplatform.tooling.cost.model import PricedResource
from policies.common.framework import Subject


def priced(subjects: Sequence[Subject]) -> list[PricedResource]:
    """The stack's resources as the cost model and the DR assessment take them: each with its region."""
    return [
        PricedResource.from_engine(
            s.urn, s.type, s.name, s.props, provider_properties=s.provider_props, parent=s.parent
        )
        for s in subjects
    ]
