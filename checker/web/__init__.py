"""`imrcheck serve`: the office's web page (treatment, questionnaire, progress note, result, downloads) and the
JSON API beside it, on Starlette with Jinja2 templates. Every page and file is served from this package: no
external assets or requests. Decisions come from the session and the office tools, never from here."""
