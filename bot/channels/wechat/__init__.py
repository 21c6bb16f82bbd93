"""The WeChat Official Account channel (服务号): ``policybot wechat``.

``protocol`` (wechatpy: signatures, safe-mode crypto, parsing, the passive reply), ``server``
(the HTTP endpoint WeChat calls), ``render`` (a turn as one message of at most 2048 bytes),
``users`` (choices offered, held text, the customer-service window), ``client`` (access
token, customer-service messages, the menu), ``menu`` (the custom menu from the command
table), ``app`` (the channel: durable inbox and outbox, turns, the sender).
"""

from __future__ import annotations

from .app import ConfigError, WeChatChannel
from .sender import CHANNEL
from .turns import turn_of

__all__ = ["CHANNEL", "ConfigError", "WeChatChannel", "turn_of"]
