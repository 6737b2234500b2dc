"""ACM certificates validated through a DNS record in the stack's hosted zone."""

import pulumi
import pulumi_aws as aws


def validated_certificate(
    name: str,
    domain: str,
    zone_id: str,
    parent: pulumi.Resource,
    *,
    provider: pulumi.ProviderResource | None = None,
    existing_record: pulumi.Output[str] | None = None,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """An ACM certificate for the domain and its subdomains, validated through a DNS record in the zone.

    Returns the validated certificate's ARN and the validation record's name. ACM asks for the same record for a
    domain in every region of an account, so a second certificate passes ``existing_record`` instead of
    declaring the record again (two resources owning one record would delete it for both)."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    certificate = aws.acm.Certificate(
        name,
        aws.acm.CertificateArgs(domain_name=domain, subject_alternative_names=[f"*.{domain}"], validation_method="DNS"),
        opts=opts,
    )
    if existing_record is None:
        # The apex and the wildcard share one validation record.
        option = certificate.domain_validation_options.apply(lambda options: options[0])
        existing_record = aws.route53.Record(
            f"{name}-validation",
            aws.route53.RecordArgs(
                zone_id=zone_id,
                name=option.apply(lambda o: str(o.resource_record_name)),
                type=option.apply(lambda o: str(o.resource_record_type)),
                records=[option.apply(lambda o: str(o.resource_record_value))],
                ttl=300,
                allow_overwrite=True,
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        ).fqdn
    validation = aws.acm.CertificateValidation(
        f"{name}-validated",
        aws.acm.CertificateValidationArgs(certificate_arn=certificate.arn, validation_record_fqdns=[existing_record]),
        opts=opts,
    )
    return validation.certificate_arn, existing_record
