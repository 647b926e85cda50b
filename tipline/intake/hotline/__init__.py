"""Hotline intake: the 12315 call-centre system posts each call (summary, caller, transcript) to
`POST /api/v1/hotline/calls` with a bearer token, or an operator imports a day's calls from JSON
lines with `tipline intake import-hotline`. Each call makes one tip; the reporter can read the
transcript on the status page and confirm it or ask for a correction.
"""
