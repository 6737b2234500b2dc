"""The lifecycle policy of every ECR repository: the primary region's registry and the repositories replication
creates in the DR region keep images alike."""

from typing import Any

KEEP_IMAGES = 30


def ecr_lifecycle_policy() -> dict[str, Any]:
    """Expire untagged images after a week and keep the last tagged ones."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Drop untagged images after 7 days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 7,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the last {KEEP_IMAGES} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": KEEP_IMAGES},
                "action": {"type": "expire"},
            },
        ]
    }
