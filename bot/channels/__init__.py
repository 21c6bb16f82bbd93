"""Channels: translate a medium's events into ``Incoming`` and the core's replies back."""
