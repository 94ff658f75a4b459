"""The conversation: the engine's turn, flows, what the bot says, the action registry."""
