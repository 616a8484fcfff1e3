# Tandem's image: `tandem serve` (gunicorn) by default; compose.yaml also runs the worker and
# the migrations from it. Front-end packages come from npm, Python packages from the hashed lock.

FROM node:22-trixie-slim AS assets
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error

# Debian trixie's client programs (PostgreSQL 17) match compose.yaml's server for `tandem backup`.
FROM python:3.13-slim-trixie
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-17 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 1000 tandem
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt
COPY --from=assets /app/node_modules node_modules
COPY . .
# collectstatic needs production settings to hash the files; the key only satisfies the settings
# check and signs nothing.
RUN pip install --no-deps --no-build-isolation -e . \
    && TANDEM_ENV=production TANDEM_URL=http://localhost \
       SECRET_KEY=used-only-by-collectstatic-while-building-the-image-signs-nothing \
       tandem manage collectstatic --noinput --verbosity 0 \
    && mkdir -p /data \
    && chown -R tandem:tandem /app/var /data
USER tandem
EXPOSE 8000
CMD ["tandem", "serve", "--host", "0.0.0.0", "--port", "8000"]
