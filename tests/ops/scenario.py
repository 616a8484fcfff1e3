"""Steps run inside a throwaway Tandem installation (see instance.py), each printing JSON:

    python -m tests.ops.scenario seed|change|state
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup()

from django.core.files.storage import storages  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from tandem.parties.models import Party  # noqa: E402
from tandem.platform import services  # noqa: E402
from tandem.platform.models import Attachment, Company  # noqa: E402
from tests.parties.factories import make_party  # noqa: E402
from tests.platform.factories import make_company, make_member  # noqa: E402

CONTRACT = b"%PDF-1.4\n% the signed framework agreement\n"


def seed() -> dict:
    """A company with one party that has a signed contract attached."""
    call_command("migrate", interactive=False, verbosity=0)
    company = make_company(slug="acme", name="Acme Ltd")
    admin = make_member(company, ["company_admin"], email="admin@acme.test")
    party = make_party(company, actor=admin, name="Alpha GmbH", emails=["info@alpha.test"])
    upload = SimpleUploadedFile("contract.pdf", CONTRACT, content_type="application/pdf")
    attachment = services.attach_file(company, party, upload=upload, actor=admin)
    return {"party": party.pk, "file": attachment.file.name}


def change() -> dict:
    """After the backup: a new party, and the contract's file is lost."""
    company = Company.objects.get(slug="acme")
    make_party(company, name="Beta AG")
    attachment = Attachment.objects.get()
    storages["default"].delete(attachment.file.name)
    return {"deleted": attachment.file.name}


def state() -> dict:
    storage = storages["default"]
    files = {}
    for attachment in Attachment.objects.all():
        name = attachment.file.name
        files[name] = storage.open(name).read().decode() if storage.exists(name) else None
    return {"parties": sorted(Party.objects.values_list("name", flat=True)), "files": files}


if __name__ == "__main__":
    print(json.dumps({"seed": seed, "change": change, "state": state}[sys.argv[1]]()))
