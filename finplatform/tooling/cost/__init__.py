"""The cost model: a vendored price table, usage assumptions, and a monthly price for each resource.

Standard library only: the cost-guardrails policy pack imports it inside its analyzer process, and the plan
imports it too, so the budget policy and the printed cost table are the same numbers.
"""
