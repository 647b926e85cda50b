"""Oversight and "one public": the supervisors' dashboard and exports, the public results and
statistics pages, and the retention rules with legal holds."""
