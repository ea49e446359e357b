"""Alerts: which new statements and coverage spikes to tell people about, and telling them once.

    rules.py     pure functions: new statements (and articles per day) -> AlertMessage values
    messages.py  what an alert says, rendered inert for each channel (text, Slack JSON, mail)
    channels.py  the console, the webhook and SMTP, and their settings' types
    settings.py  those settings, from the story's [alerts] and PRESSWATCH_* variables
    delivery.py  the bookkeeping: queue, read what is pending, send with the file released,
                 record each outcome in its own short write
    console.py   what `presswatch alerts` prints

Plain Python: the daily flow wraps run_alerts in a Prefect task. The warehouse side is
presswatch/warehouse/alert_book.py; the channels' settings are built from the story and the
environment by presswatch/alerts/settings.py:channel_settings, in the process that sends.
"""
