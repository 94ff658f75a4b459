"""The référent console (`/console`): référents watch their Mission Locale's conversations, take one
over, answer as themselves, hand it back; admins (ARML) see every Mission Locale; the
communication role sees the figures only.

`bot.console.web.setup_console(app, services, engine)` adds the routes to the service's aiohttp application.
"""
