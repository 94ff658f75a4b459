"""The scheduler: one-off messages through a durable due queue, recurring jobs with APScheduler.

`scheduler.due_queue` — the `due_messages` table, claims with leases, the worker;
`scheduler.jobs` — reminders planning, delivery texts, nudges, retention purge;
`scheduler.runner` — `Scheduler(services, clock, worker_id)`, one leader among several processes.
"""
