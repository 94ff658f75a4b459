"""Domain actions and validators that flows call by name (and the Rasa action server wraps)."""
