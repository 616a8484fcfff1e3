"""Background tasks of the platform (django.tasks; the database backend runs them in `tandem worker`,
tests use the immediate backend)."""

from django.tasks import task

from tandem.platform import imports


@task()
def check_import_job(job_id: int) -> None:
    """Dry-run an import job's rows; safe to deliver twice (it resumes, or sees a newer check)."""
    imports.check_rows(job_id)


@task()
def run_import_job(job_id: int) -> None:
    """Write an import job's rows; safe to deliver twice (it resumes, never repeats a row)."""
    imports.run_import(job_id)
