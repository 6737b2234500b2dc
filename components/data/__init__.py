"""Data layer: PostgreSQL, Redis, buckets and the time-series stores, one module each.

Every store sits in the isolated tier behind a security group that admits only the application tier, is
encrypted with the data key, and hands the compute layer one connection-info output: endpoint, port and the
ARN of the secret that holds its credentials.
"""
