"""The self-hosting files agree with the settings: every variable Tandem reads is documented,
and compose.yaml passes only variables Tandem reads, with the values production needs."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    source = (ROOT / "tandem" / "settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', source))


def env_example_variables() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_variable_the_settings_read_is_in_env_example_and_the_operations_guide():
    documented = env_example_variables()
    guide = (ROOT / "docs" / "operations.md").read_text()

    assert settings_variables() - documented == set()
    assert {name for name in settings_variables() if f"`{name}`" not in guide} == set()


def test_compose_runs_web_worker_and_postgresql_15_or_newer_from_one_image():
    services = compose()["services"]

    assert {"web", "worker", "db", "migrate"} <= set(services)
    assert services["web"]["command"][:4] == ["tandem", "serve", "--host", "0.0.0.0"]
    assert services["worker"]["command"] == ["tandem", "worker"]
    assert services["web"]["image"] == services["worker"]["image"] == services["migrate"]["image"]
    major = int(re.match(r"postgres:(\d+)", services["db"]["image"]).group(1))
    assert major >= 15
    assert (ROOT / "Dockerfile").exists()
    assert f"postgresql-client-{major}" in (ROOT / "Dockerfile").read_text()


def test_compose_gives_the_app_production_settings_it_reads():
    services = compose()["services"]
    app = services["web"]["environment"]

    assert app == services["worker"]["environment"] == services["migrate"]["environment"]
    assert app["TANDEM_ENV"] == "production"
    assert set(app) <= settings_variables()
    assert {"SECRET_KEY", "TANDEM_URL", "DATABASE_URL", "EMAIL_URL"} <= set(app)
    assert app["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in app["DATABASE_URL"]
    assert "${SECRET_KEY:?" in app["SECRET_KEY"]


def test_every_variable_compose_substitutes_is_in_env_example():
    substituted = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "compose.yaml").read_text()))

    assert substituted - env_example_variables() == set()


def test_compose_services_wait_for_a_healthy_database_and_the_migrations():
    services = compose()["services"]

    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert "/health" in " ".join(services["web"]["healthcheck"]["test"])
