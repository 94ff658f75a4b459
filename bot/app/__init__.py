"""The wiring on top: command line, aiohttp application, services, config loading."""
