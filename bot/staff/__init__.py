"""Staff triage: what the assistant cannot answer reaches a person, and the answer comes back.

Self-contained beside the dialogue core; see ``README.md`` in this folder for the pieces and
for the exact points where the dialogue and the channels call in.

- ``triggers``: when a handoff starts (asks for a person, 👎, an unsure answer); pure.
- ``hours``: office hours in Asia/Shanghai with China's holidays; when staff will reply.
- ``records``, ``store``, ``faqstore``: ``StaffStore``: tickets and curated answers in the
  conversation database, the desk's view of the question log.
- ``faq``: approved curated answers searched by meaning and keywords; the amount check.
- ``stats``: the figures staff read (questions per day, handoffs, FAQ hits...).
- ``csvio``: FAQ import and export as spreadsheet-safe CSV.
- ``stage``: the staff stage of the dialogue's router (pure; returns effects).
- ``effects``: the effects and how the turn owner applies them in the turn's transaction.
- ``cards``, ``commands``, ``handler``: what the effects run (``Incoming`` in, ``Reply`` out).
"""
