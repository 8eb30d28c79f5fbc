"""What a school reports about itself to the district, counted in its own schema. The apps that
own a school's tables register their counters here (in their AppConfig.ready), so `tenants`,
which every app needs, needs none of them."""

COUNTERS = []


def register(counter):
    """`counter()` runs in a school's schema and returns a dict of counts for SchoolFigures."""
    COUNTERS.append(counter)
    return counter


def count():
    figures = {}
    for counter in COUNTERS:
        figures.update(counter())
    return figures
