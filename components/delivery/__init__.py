"""Delivery: how software reaches the platform. Today the GitHub Actions deploy role (seed 003); the pipeline
issue adds CodePipeline for seeds 000, 001 and 004."""
