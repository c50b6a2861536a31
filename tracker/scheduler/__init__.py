"""The scheduler: its own process (`tracker scheduler`), one runner per installation."""
