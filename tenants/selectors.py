from .models import School


def schools_for_console(status=None):
    schools = School.objects.exclude(schema_name="public").select_related("figures")
    if status:
        schools = schools.filter(status=status)
    return schools
