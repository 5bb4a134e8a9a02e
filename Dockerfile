# The image for the migrate, web, worker and beat services of docker-compose.yml.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# Pango and HarfBuzz for WeasyPrint (progress reports as PDF), and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .
# collectstatic needs no secrets; the real key comes from the environment.
RUN SECRET_KEY=collectstatic DEBUG=false python manage.py collectstatic --no-input

RUN useradd --create-home app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "advocacy.wsgi", "-c", "python:advocacy.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3"]
