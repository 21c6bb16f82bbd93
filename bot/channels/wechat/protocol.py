"""WeChat's message protocol through wechatpy: signatures, safe-mode crypto, parsing, replies.

No XML or AES by hand: ``check_signature`` checks the ``signature`` every request carries
(token, timestamp, nonce); in safe and compatible mode (``encrypt_type=aes``) ``WeChatCrypto``
checks ``msg_signature`` and decrypts, and encrypts the passive reply; ``parse_message`` reads
the XML (xmltodict over expat, entities disabled) and ``TextReply`` writes the answer.

What the channel keeps of a message is an ``Inbound``: plain data, stored in the inbox as
JSON, with the key that identifies it across WeChat's retries (``MsgId``; for events, which
have none, the sender, the time and the event).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Literal
from xml.parsers.expat import ExpatError

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

Kind = Literal["text", "event", "media"]


class Refused(Exception):
    """A request that fails a signature check: answered 403, nothing is processed."""


class Malformed(Exception):
    """A request that is not a WeChat message: answered 400."""


@dataclass(frozen=True)
class Inbound:
    """One message or event from a user, as the channel keeps it."""

    key: str
    openid: str
    account: str  # the account's original id (ToUserName): the sender of our reply
    kind: Kind
    text: str | None = None
    event: str | None = None
    event_key: str | None = None
    created: int = 0
    media: str | None = None  # image, voice, video, location, link...

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Inbound:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Request:
    """The query string of a call from WeChat."""

    signature: str
    timestamp: str
    nonce: str
    encrypt_type: str = ""
    msg_signature: str = ""


class Codec:
    """Checks, decrypts and encrypts with the account's Token and EncodingAESKey."""

    def __init__(self, token: str, aes_key: str | None, app_id: str) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    def verify(self, request: Request) -> None:
        """The ``signature`` that every call carries; raises ``Refused``."""
        try:
            check_signature(self.token, request.signature, request.timestamp, request.nonce)
        except InvalidSignatureException:
            raise Refused("wrong signature") from None

    def open(self, request: Request, body: bytes) -> Inbound | None:
        """The message of a POST (decrypted in safe mode), or None for one the assistant
        ignores; raises ``Refused`` or ``Malformed``."""
        self.verify(request)
        xml: str | bytes = body
        if request.encrypt_type == "aes":
            if self.crypto is None:
                raise Malformed("an encrypted message, but no EncodingAESKey is configured")
            try:
                xml = self.crypto.decrypt_message(
                    body, request.msg_signature, request.timestamp, request.nonce
                )
            except (InvalidSignatureException, InvalidAppIdException):
                raise Refused("wrong msg_signature or AppID") from None
            except Exception as exc:  # bad base64, padding, missing <Encrypt>
                raise Malformed(f"cannot decrypt: {type(exc).__name__}") from None
        return read(xml)

    def seal(self, request: Request, reply_xml: str) -> str:
        """The body of the passive reply: encrypted when the request was."""
        if request.encrypt_type == "aes" and self.crypto is not None:
            return str(self.crypto.encrypt_message(reply_xml, request.nonce, str(int(time.time()))))
        return reply_xml


_MEDIA = frozenset({"image", "voice", "video", "shortvideo", "location", "link", "file"})


def read(xml: str | bytes) -> Inbound | None:
    """Parse a message's XML; raises ``Malformed``."""
    try:
        message = parse_message(xml)
    except (ExpatError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise Malformed(f"not a WeChat message: {type(exc).__name__}") from None
    if message is None or not getattr(message, "source", None):
        raise Malformed("not a WeChat message")
    openid, account = str(message.source), str(message.target or "")
    created = int(message.time or 0)
    kind = str(message.type)
    msg_id = int(getattr(message, "id", 0) or 0)
    if kind == "text":
        return Inbound(
            f"m{msg_id}", openid, account, "text", text=str(message.content or ""), created=created
        )
    if kind == "voice" and getattr(message, "recognition", None):
        return Inbound(
            f"m{msg_id}",
            openid,
            account,
            "text",
            text=str(message.recognition),
            created=created,
            media="voice",
        )
    if kind in _MEDIA:
        return Inbound(f"m{msg_id}", openid, account, "media", created=created, media=kind)
    if kind == "event":
        event = str(getattr(message, "event", "") or "").lower()
        key = getattr(message, "key", None)
        return Inbound(
            f"e{openid}:{created}:{event}:{key or ''}",
            openid,
            account,
            "event",
            event=event,
            event_key=None if key is None else str(key),
            created=created,
        )
    return None


def text_reply(inbound: Inbound, content: str) -> str:
    """The XML of a passive text reply to ``inbound``."""
    reply = TextReply(source=inbound.account, target=inbound.openid, content=content)
    return str(reply.render())


# What WeChat accepts as "nothing to say" (it neither shows anything nor retries).
NO_REPLY = "success"
