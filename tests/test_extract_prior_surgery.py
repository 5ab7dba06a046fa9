"""Surgery before on the region to be imaged (prior_surgery_same_region): tied to the request's region in every
pattern (a cervical fusion is no lumbar surgery), after any marker of the past ("post-op from", "surgical history:")."""

from __future__ import annotations

import pytest

FACT = "prior_surgery_same_region"


@pytest.mark.parametrize("asked, code, summary, documented", [
    ("MRI of the lumbar spine", "MRI-LUMBAR", "He has a history of a cervical fusion.", False),
    ("MRI of the cervical spine", "MRI-CERVICAL", "He has a history of a cervical fusion.", True),
    ("MRI of the lumbar spine", "MRI-LUMBAR", "He is post-op from a lumbar laminectomy.", True),
    ("MRI of the lumbar spine", "MRI-LUMBAR", "His surgical history includes a lumbar fusion.", True),
    ("MRI of the left knee", "MRI-KNEE", "Surgical history: left knee arthroscopy 2012.", True),
    ("MRI of the left knee", "MRI-KNEE", "Status post right shoulder arthroscopy.", False),
])
def test_prior_surgery_of_the_region(extractor, asked, code, summary, documented):
    found = extractor.extract(summary, asked, code, scope="item")
    assert (found[FACT].value if FACT in found else False) is documented
