"""The scheduler: one-off messages through a durable due queue, recurring jobs with APScheduler.

`bot.stores.due_queue` — the `due_messages` table, claims with leases, the worker;
`bot.rdv.reminders` — reminders planning, delivery texts, nudges;
`scheduler.jobs` — delivery through the Outbox, retention purge;
`scheduler.runner` — `Scheduler(services, clock, worker_id)`, one leader among several processes.
"""
