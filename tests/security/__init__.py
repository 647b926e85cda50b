"""Security tests: who reaches which route, hostile input into every form, the API, uploads."""
