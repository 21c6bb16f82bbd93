"""Fakes that stand in for network peers in tests: small real servers on 127.0.0.1."""

from .telegram_api import Call, FakeTelegram

__all__ = ["Call", "FakeTelegram"]
