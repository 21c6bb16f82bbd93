"""Staff triage: what the assistant cannot answer reaches a person, and the answer comes back.

Self-contained beside the dialogue core; see ``README.md`` in this folder for the pieces and
for the exact points where the dialogue and the channels call in.

- ``privacy``: masking of phone, ID card and credit-code numbers; pure.
- ``triggers``: when a handoff starts (asks for a person, 👎, an unsure answer); pure.
- ``hours``: office hours in Asia/Shanghai with China's holidays; when staff will reply.
- ``store``: ``StaffStore``, its own SQLite file: tickets, curated answers, the Q&A log.
- ``faq``: approved curated answers searched by meaning and keywords; the amount check.
- ``stats``: the figures staff read (questions per day, handoffs, FAQ hits...).
- ``csvio``: FAQ import and export as spreadsheet-safe CSV.
- ``handler``: channel-independent handlers: ``Incoming`` in, ``Reply`` objects (with ``to``) out.
- ``front``: ``StaffFront.turn``, the one call a channel makes instead of ``Conversation.turn``.
"""
