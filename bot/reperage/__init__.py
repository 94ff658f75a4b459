"""Repérage: facts from what jeunes write, attribution to actions, the event log, actions config."""
