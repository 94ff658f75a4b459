"""The programme's figures, from the events table."""
