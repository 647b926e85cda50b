""""Double random, one public" inspections of testing and certification bodies (issue 24).

The register of supervised bodies (bodies.py), their risk tiers (tiers.py), the annual plan and its
seeded, reproducible draw (draw.py, services.py), the inspections and their results, and the
public page (public.py)."""
