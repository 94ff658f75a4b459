"""The weekly '1 action 1 Mission Locale' posts: calendar, rotation, texts, workflow, publishing."""
