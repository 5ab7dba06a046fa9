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


@pytest.mark.parametrize("asked, code, summary, documented", [
    # a spinal operation's sentence may name the limbs its nerve roots supply (region: request_or_roots)
    ("MRI of the lumbar spine", "MRI-LUMBAR", "She is status post L4-L5 fusion with residual pain down the left leg.",
     True),
    ("MRI of the cervical spine", "MRI-CERVICAL", "He had a cervical fusion with residual numbness of the right arm.",
     True),
    ("MRI of the lumbar spine", "MRI-LUMBAR", "He had a cervical fusion with residual numbness of the right arm.",
     False),
])
def test_a_spinal_operation_and_the_limbs_its_roots_supply(extractor, asked, code, summary, documented):
    found = extractor.extract(summary, asked, code, scope="item")
    assert (found[FACT].value if FACT in found else False) is documented


def test_a_root_territory_names_known_sites(tmp_path):
    from checker.errors import InputError, InputErrors
    from checker.ruleset.treatments import load_treatments

    from .conftest import rules_copy
    rules = rules_copy(tmp_path)
    path = rules / "requests" / "sites.yaml"
    text = path.read_text()
    assert "    root_territory: [lower_extremity, thigh, lower_extremity_nerve]" in text
    path.write_text(text.replace("root_territory: [lower_extremity, thigh,", "root_territory: [lower_extremty, thigh,"))
    with pytest.raises((InputError, InputErrors)) as exc:
        load_treatments(rules)
    assert "sites.yaml" in str(exc.value) and "lower_extremity" in str(exc.value)
