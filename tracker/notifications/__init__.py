"""Notifications: recorded once per person and occasion, shown in the app, delivered by email."""
