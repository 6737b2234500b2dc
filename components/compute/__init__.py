"""Compute layer, one module per target: the image registry, ECS Fargate, EC2 Auto Scaling, EKS and Lambda
functions, and the access grants they share.

Each workload gets its own roles, written from the blueprint's ``access`` list so that it can reach only the
secrets, buckets and databases it names.
"""
