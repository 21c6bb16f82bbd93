"""Operations: health and readiness checks, Prometheus metrics and JSON logs for the
long-running commands (``policybot telegram``, ``wechat``, ``console``).

``server.OpsServer`` serves ``/healthz``, ``/readyz`` and ``/metrics`` on a port of its own
(``POLICYBOT_OPS_PORT``); ``metrics.Metrics`` holds the figures (one registry per process);
``figures`` reads the outbox and ticket figures (read-only SQL); ``logs`` formats log
records as JSON lines with chats and personal numbers masked.
"""
