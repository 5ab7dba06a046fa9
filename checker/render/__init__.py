"""Rendering for people and programs: 80-column text, JSON (streamed for large outputs), Markdown and the HTML
reports (the office's pre-submission report, the consistency report), and the rule pages."""
