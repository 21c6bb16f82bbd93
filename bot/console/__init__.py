"""The staff console: a web application (Starlette, Jinja2 templates, static files from this
package; nothing from the internet) for the staff desk: tickets, curated answers, documents,
figures, accounts and the audit log. ``policybot console`` serves it (``bot/cli/console.py``).

- ``accounts``: staff accounts (Argon2), login sessions, lockout, notes, audit log.
- ``web``: shared state, the session/CSRF/role checks around every page, rendering.
- ``app``: the route table, login, logout, language; ``create_app``, ``build_console``.
- ``tickets``, ``curated``, ``documents``, ``figures``: the pages.
- ``publish``: upload, check and background publication of a document.
- ``delivery``: how a staff reply reaches the user's channel (one function).
- ``charts``: server-side SVG charts. ``messages``: the console's sentences, zh-Hans and en.
"""
