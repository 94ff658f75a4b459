"""Appointments: slots, booking actions, the booking store, .ics files, reminders."""
