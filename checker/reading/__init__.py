"""From inputs to cases: finding the inputs, reading IMR letters and progress notes, parsing request texts, and
extracting documented clinical facts; case files are read and validated here too."""
