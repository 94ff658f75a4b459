"""insysteme: out-of-hours outreach bots for the Missions Locales."""

PARIS_TZ = "Europe/Paris"
