"""insysteme's domain actions behind a Rasa assistant (rasa-sdk action server protocol).

`bridge` turns a Rasa tracker into an ActionContext and the action's results back into Rasa
events, saving insysteme events like the built-in engine does; `actions` holds the rasa-sdk Action
classes; `server` is the `/webhook`, `/health`, `/actions` HTTP server (`insysteme actions`).
"""
