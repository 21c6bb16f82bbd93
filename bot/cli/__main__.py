"""`python -m bot.cli`: the same as `policybot`."""

from bot.cli import main

main()
