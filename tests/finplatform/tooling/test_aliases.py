"""The engine's alias resolution, as the URN test relies on it."""

from finplatform.tooling.aliases import Registration, make_urn, previous_urns

STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def test_top_level_urns_leave_out_the_stack_and_children_carry_the_whole_type_chain() -> None:
    # GIVEN a component under the stack, and a resource two levels down WHEN their URNs are made
    component = make_urn("dev", "proj", STACK, "my:layer:Thing", "thing")
    inner = make_urn("dev", "proj", component, "my:layer:Part", "thing-part")
    leaf = make_urn("dev", "proj", inner, "aws:s3/bucket:Bucket", "thing-part")
    # THEN the URNs are the engine's
    assert component == "urn:pulumi:dev::proj::my:layer:Thing::thing"
    assert leaf == "urn:pulumi:dev::proj::my:layer:Thing$my:layer:Part$aws:s3/bucket:Bucket::thing-part"


def test_a_renamed_and_moved_component_carries_its_children_with_it() -> None:
    # GIVEN a component moved from one parent to another and renamed, aliased to its former parent and name
    old_parent = make_urn("dev", "proj", "", "my:data:Storage", "storage")
    new_parent = make_urn("dev", "proj", "", "my:edge:Edge", "edge")
    moved = make_urn("dev", "proj", new_parent, "my:data:Bucket", "edge-logs")
    child = make_urn("dev", "proj", moved, "aws:s3/bucket:Bucket", "edge-logs-policy")
    registrations = [
        Registration(new_parent, "my:edge:Edge", "edge", ""),
        Registration(
            moved, "my:data:Bucket", "edge-logs", new_parent, ({"spec": {"name": "lb-logs", "parentUrn": old_parent}},)
        ),
        Registration(child, "aws:s3/bucket:Bucket", "edge-logs-policy", moved),
    ]
    # WHEN the URNs each answers to are worked out
    answered = previous_urns(registrations)
    # THEN the child answers to its old URN: old parent chain, name re-prefixed with the parent's old name
    old_moved = make_urn("dev", "proj", old_parent, "my:data:Bucket", "lb-logs")
    assert make_urn("dev", "proj", old_moved, "aws:s3/bucket:Bucket", "lb-logs-policy") in answered[child]
    assert answered[new_parent] == [new_parent]


def test_a_type_alias_with_no_parent_given_keeps_the_current_parent() -> None:
    # GIVEN a component re-typed, whose alias spec names only the old type (parentUrn empty: same parent)
    urn = make_urn("dev", "proj", "", "my:data:InfluxDb", "time-series")
    registration = Registration(urn, "my:data:InfluxDb", "time-series", STACK, ({"spec": {"type": "my:data:TS"}},))
    # WHEN the URNs it answers to are worked out THEN it answers to the old type at the same place
    assert previous_urns([registration])[urn] == [urn, "urn:pulumi:dev::proj::my:data:TS::time-series"]
