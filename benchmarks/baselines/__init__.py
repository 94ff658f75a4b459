"""Reference bots for benchmarks/webhook_load.py: the same three-step flow on other stacks."""
