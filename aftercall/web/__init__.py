"""The web app (issue 6): server-rendered pages for QA reviewers, outreach agents and managers."""
