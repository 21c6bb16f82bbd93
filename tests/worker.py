"""A worker process for the multi-worker tests and ``bench/workers.py``: the real channel
(``WeChatChannel`` or ``TelegramChannel``: the code `policybot wechat|telegram` runs) over
``fake_services`` (the real documents, rules and BM25 with the hash embedder: no e5 to load
three times on two cores). Settings from the ``POLICYBOT_*`` environment, as the command.

    python tests/worker.py wechat|telegram --today 2026-11-21
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakes.services import fake_services

from bot.config import Settings
from bot.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("channel", choices=("wechat", "telegram"))
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    args = parser.parse_args()
    settings = Settings(_env_file=None)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    services = fake_services(settings.data_dir)
    store = Store(services.settings.db_location)
    services = dataclasses.replace(services, store=store)
    today = args.today
    if args.channel == "wechat":
        from bot.channels.wechat.app import WeChatChannel

        WeChatChannel(services.settings, services, lambda: today).run()
    else:
        from bot.channels.telegram import TelegramChannel

        TelegramChannel(services.settings, services, lambda: today).run()


if __name__ == "__main__":
    main()
