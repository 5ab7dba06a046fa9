"""Extraction patterns for the programs, behavioral health and visits facts
(rules/extraction/programs-behavioral-visits.yaml, and the course facts for psychotherapy, programs and aquatic
therapy in rules/extraction/core.yaml): findings, negations, plans, UR language and item scope."""

from __future__ import annotations

import pytest

from checker.reading.extraction import Extractor
from checker.ruleset.facts import load_vocabulary

from .conftest import RULES


@pytest.fixture(scope="module")
def extractor():
    return Extractor(RULES, load_vocabulary(RULES))


# (summary sentence, fact, expected value (None = not documented), request, item treatment code)
CASES = [
 ("He is unable to perform household chores and depends on his wife for dressing.", "significant_functional_loss", True, "", None),
 ("She is independent with all activities of daily living.", "significant_functional_loss", False, "", None),
 ("Lumbar fusion at L4-5 was recommended by the spine surgeon.", "surgery_or_procedure_warranted", True, "", None),
 ("He is not a surgical candidate per the spine surgeon.", "surgery_or_procedure_warranted", False, "", None),
 ("He underwent lumbar fusion in 2012.", "surgery_or_procedure_warranted", None, "", None),
 ("No further surgery is recommended.", "surgery_or_procedure_warranted", False, "", None),
 ("The patient is highly motivated to return to work.", "motivated_to_change", True, "", None),
 ("She is willing to taper her opioids.", "motivated_to_change", True, "", None),
 ("He appears unmotivated.", "motivated_to_change", False, "", None),
 ("Negative predictors of success were identified and addressed.", "negative_predictors_addressed", True, "", None),
 ("A multidisciplinary evaluation dated 10/12/2016 noted high fear avoidance.", "multidisciplinary_evaluation_done", True, "", None),
 ("A multidisciplinary evaluation was requested.", "multidisciplinary_evaluation_done", None, "", None),
 ("Baseline functional testing showed a lifting capacity of 10 pounds.", "multidisciplinary_evaluation_done", True, "", None),
 ("She completed a functional restoration program in 2014.", "same_program_completed", True, "Functional restoration program x 10 days", "FUNCTIONAL-RESTORATION-PROGRAM"),
 ("He has never participated in a functional restoration program.", "same_program_completed", False, "Functional restoration program x 10 days", "FUNCTIONAL-RESTORATION-PROGRAM"),
 ("The FCE showed capacities below the heavy demand level of his job.", "job_demands_exceed_capacity", True, "", None),
 ("He is unable to return to his usual job as a warehouse worker.", "job_demands_exceed_capacity", True, "", None),
 ("Progress in physical therapy has plateaued.", "therapy_plateaued", True, "", None),
 ("She continues to improve with physical therapy.", "therapy_plateaued", False, "", None),
 ("He is able to tolerate 4 hours a day of activity.", "can_participate_four_hours_daily", True, "", None),
 ("His job is being held open by the employer.", "return_to_work_goal", True, "", None),
 ("He was terminated by his employer in 2015.", "return_to_work_goal", False, "", None),
 ("He is a good candidate for work hardening.", "program_screening_done", True, "Work hardening x 10 sessions", "WORK-HARDENING"),
 ("A spinal cord stimulator trial is planned.", "psych_evaluation_prerequisite", True, "", None),
 ("Her BMI is 42.", "reduced_weight_bearing_needed", True, "", None),
 ("He did not tolerate land-based therapy due to knee pain.", "reduced_weight_bearing_needed", True, "", None),
 ("He is morbidly obese.", "reduced_weight_bearing_needed", True, "", None),
 ("The home exercise program has not been effective despite revisions.", "home_exercise_program_ineffective", True, "", None),
 ("The home exercise program has been helpful.", "home_exercise_program_ineffective", False, "", None),
 ("He needs access to a pool for exercise.", "exercise_equipment_needed", True, "Gym membership", "GYM-MEMBERSHIP"),
 ("The program would be supervised by a physical therapist.", "supervised_by_medical_professional", True, "Gym membership", "GYM-MEMBERSHIP"),
 ("She plans to exercise on her own at the gym.", "supervised_by_medical_professional", False, "Gym membership", "GYM-MEMBERSHIP"),
 ("He is unable to drive due to the cast.", "unable_to_self_transport", True, "", None),
 ("She drove herself to the visit.", "unable_to_self_transport", False, "", None),
 ("He reports excessive daytime sleepiness.", "excessive_daytime_somnolence", True, "", None),
 ("His wife reports witnessed apneas and loud snoring.", "sleep_breathing_disorder_suspected", True, "", None),
 ("Sleep apnea is suspected.", "sleep_breathing_disorder_suspected", True, "", None),
 ("He denies snoring or witnessed apneas.", "sleep_breathing_disorder_suspected", False, "", None),
 ("Insomnia has persisted despite Ambien and sleep hygiene.", "chronic_insomnia_refractory", True, "", None),
 ("He has completed 6 sessions of cognitive behavioral therapy.", "prior_sessions_completed", 6, "Cognitive behavioral therapy x 6", "PSYCHOTHERAPY"),
 ("She had 4 psychotherapy sessions.", "prior_sessions_completed", 4, "Psychotherapy 6 sessions", "PSYCHOTHERAPY"),
 ("He completed 10 days of the functional restoration program.", "prior_sessions_completed", 10, "FRP x 10 days", "FUNCTIONAL-RESTORATION-PROGRAM"),
 ("He attended 12 sessions of work conditioning.", "prior_sessions_completed", 12, "Work conditioning x 12", "WORK-HARDENING"),
 ("She completed 6 sessions of aquatic therapy.", "prior_sessions_completed", 6, "Aquatic therapy x 6", "AQUATIC-THERAPY"),
 ("With cognitive behavioral therapy she reports improved function and better ability to walk.", "prior_treatment_functional_improvement", True, "CBT x 4", "PSYCHOTHERAPY"),
 ("He reports no functional improvement from the functional restoration program.", "prior_treatment_functional_improvement", False, "FRP x 10 days", "FUNCTIONAL-RESTORATION-PROGRAM"),
 ("Utilization review denied the request for a sleep study because there was no excessive daytime sleepiness.", "excessive_daytime_somnolence", None, "", None),
]


@pytest.mark.parametrize("text, fact, expected, request_text, treatment", CASES)
def test_fact_wordings(extractor, text, fact, expected, request_text, treatment):
    found = {name: e.value for name, e in extractor.extract(text, request_text, treatment).items()}
    assert found.get(fact) == expected, (text, found)


def test_item_facts_need_their_treatment(extractor):
    text = "She completed a functional restoration program in 2014."
    assert "same_program_completed" not in extractor.extract(text, "Lumbar MRI", "MRI-LUMBAR")
    text = "He needs access to a pool for exercise."
    assert "exercise_equipment_needed" not in extractor.extract(text, "Aquatic therapy x 6", "AQUATIC-THERAPY")


def test_psychotherapy_sessions_are_not_read_for_a_physical_therapy_request(extractor):
    text = "He has completed 6 sessions of cognitive behavioral therapy."
    found = extractor.extract(text, "Physical therapy x 6", "PHYSICAL-THERAPY")
    assert "prior_sessions_completed" not in found
