"""A school's pages, one module per area (the same areas as journal.services); urls use journal.views.<name>."""

from .checks import journal_check, journal_checks
from .classes import (
    absences,
    class_detail,
    class_enroll,
    class_list,
    class_portfolio,
    class_portfolio_file,
    family_invite,
    guardian_end,
    home,
    pupil_correct,
    pupil_move,
    subgroup_add,
)
from .exams import exam_page, exams
from .finals import (
    final_marks_page,
    summary_sheet,
)
from .imports import (
    import_preview,
    import_start,
    oneroster_export,
)
from .plans import (
    plan_page,
)
from .programme import programme_page, programme_report, work_programme_file
from .records import (
    class_timetable,
    control,
    homework_file,
    journal_list,
    journal_page,
    lesson_page,
    missed_lessons,
    substitutions,
    teacher_absence,
    teacher_absences,
    teacher_timetable,
    timetable,
)
from .setup import (
    lessons_generate,
    setup,
    setup_add,
    slot_end,
)
from .statistics import statistics
from .year_records import (
    archive_zip,
    archives,
    journal_copies,
    journal_copy_certify,
    journal_copy_file,
    progress,
    year_end,
)

__all__ = [
    "class_portfolio",
    "class_portfolio_file",
    "statistics",
    "programme_page",
    "programme_report",
    "work_programme_file",
    "exam_page",
    "exams",
    "journal_check",
    "journal_checks",
    "archive_zip",
    "archives",
    "journal_copies",
    "journal_copy_certify",
    "journal_copy_file",
    "progress",
    "year_end",
    "absences",
    "class_detail",
    "class_enroll",
    "class_list",
    "control",
    "family_invite",
    "final_marks_page",
    "summary_sheet",
    "guardian_end",
    "home",
    "homework_file",
    "import_preview",
    "import_start",
    "oneroster_export",
    "journal_list",
    "journal_page",
    "lesson_page",
    "missed_lessons",
    "lessons_generate",
    "plan_page",
    "pupil_correct",
    "pupil_move",
    "setup",
    "setup_add",
    "slot_end",
    "subgroup_add",
    "substitutions",
    "teacher_absence",
    "teacher_absences",
    "class_timetable",
    "teacher_timetable",
    "timetable",
]
