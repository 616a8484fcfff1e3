"""The import wizard for parties: upload, map the columns, follow and read the check, import."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.parties.forms import ImportCommitForm, ImportMappingForm, ImportUploadForm
from tandem.parties.imports import PARTIES
from tandem.parties.views.common import partial_for
from tandem.platform import imports
from tandem.platform.errors import DomainError
from tandem.platform.http import company_view, render_page
from tandem.platform.models import Company, ImportJob


def _job_or_404(company: Company, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(company=company, importer=PARTIES.key, pk=pk).select_related(
        "company", "created_by").first()
    if job is None:
        raise Http404("No such import.")
    return job


def _job_url(company: Company, job: ImportJob) -> str:
    return reverse("parties:party-import-job", kwargs={"company": company.slug, "job": job.pk})


@company_view(PARTIES.permission)
def party_import(request: HttpRequest, company: Company) -> HttpResponse:
    """Step 1: upload a CSV or XLSX file."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = imports.start_import(company, PARTIES.key, upload=form.cleaned_data["file"], actor=request.user)
            except DomainError as error:
                form.add_service_errors(error)
            else:
                return redirect(_job_url(company, job))
        status = 422
    context = {
        "form": form, "importer": PARTIES,
        "recent": ImportJob.objects.filter(company=company, importer=PARTIES.key).select_related("created_by")[:10],
    }
    return render_page(request, "parties/import_upload.html", context, status=status)


def _job_context(job: ImportJob, **overrides) -> dict:
    context = {
        "job": job, "importer": PARTIES, "mapping_form": None, "commit_form": ImportCommitForm(),
        "preview_rows": [], "preview_fields": [], "preview_problem": "",
        "error_lines": imports.error_lines(job)[:200], "skipped": imports.skipped_rows(job),
    }
    context |= overrides
    if context["mapping_form"] is None and job.state == ImportJob.State.UPLOADED:
        context["mapping_form"] = ImportMappingForm(importer=PARTIES, headers=job.headers, mapping=job.mapping)
    if context["mapping_form"] is not None:
        context["step"] = "map"
    elif imports.is_checking(job):
        context["step"] = "checking"
    elif job.state == ImportJob.State.VALIDATED:
        context["step"] = "check"
    else:
        context["step"] = "import"
    context["polling"] = context["step"] == "checking" or job.state in (ImportJob.State.QUEUED,
                                                                          ImportJob.State.RUNNING)
    if context["step"] == "check":
        context["preview_fields"] = [field for field in PARTIES.fields if field.key in job.mapping]
        try:
            context["preview_rows"] = [
                (number, [row[field.key] for field in context["preview_fields"]])
                for number, row in imports.preview(job)
            ]
        except DomainError as error:
            context["preview_problem"] = error.message
    return context


@company_view(PARTIES.permission)
def party_import_job(request: HttpRequest, company: Company, job: int) -> HttpResponse:
    """Steps 2 to 4: map the columns, follow and read the check, follow the import's progress.
    While something runs in the background, htmx polls this page for the `step` partial."""
    job = _job_or_404(company, job)
    mapping_form = None
    status = 200
    if request.method == "POST":
        mapping_form = ImportMappingForm(request.POST, importer=PARTIES, headers=job.headers, mapping=job.mapping)
        if mapping_form.is_valid():
            try:
                imports.save_mapping(job, mapping_form.mapping(), actor=request.user)
            except DomainError as error:
                mapping_form.add_service_errors(error)
                status = error.status
            else:
                return redirect(_job_url(company, job))
        else:
            status = 422
    elif job.state == ImportJob.State.VALIDATED and request.GET.get("step") == "map":
        mapping_form = ImportMappingForm(importer=PARTIES, headers=job.headers, mapping=job.mapping)
    return render_page(request, "parties/import_job.html", _job_context(job, mapping_form=mapping_form),
                       partial=partial_for(request, "step"), status=status)


@company_view(PARTIES.permission)
@require_POST
def party_import_commit(request: HttpRequest, company: Company, job: int) -> HttpResponse:
    """Step 5: start the import (a background task)."""
    job = _job_or_404(company, job)
    form = ImportCommitForm(request.POST)
    form.is_valid()
    try:
        imports.commit_import(job, skip_invalid=form.cleaned_data.get("skip_invalid", False), actor=request.user)
    except DomainError as error:
        context = _job_context(job, commit_form=form)
        if context["step"] == "check":
            form.add_service_errors(error)
        else:
            messages.error(request, error.message)
        return render(request, "parties/import_job.html", context, status=error.status)
    return redirect(_job_url(company, job))


@company_view(PARTIES.permission)
def party_import_errors(request: HttpRequest, company: Company, job: int) -> HttpResponse:
    """The bad rows of the dry run (or of the import) as a CSV file."""
    return imports.errors_csv_response(_job_or_404(company, job))
