# maturity: the Slack bot's HTTP server. Build: docker build -t maturity .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/maturity.db

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin maturity \
    && mkdir -p /data && chown maturity:maturity /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY conversations ./conversations
COPY scoring ./scoring
# The stand-in Slack: only `maturity demo` imports it (never serve or socket).
COPY standin ./standin
COPY storage ./storage
RUN pip install . && rm -rf /app/build

USER maturity
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)" || exit 1

# Schema first (idempotent), then the production server.
CMD ["sh", "-c", "maturity migrate && exec maturity serve"]
