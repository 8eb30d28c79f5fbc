"""Writes to a school's own records, one module per area of writes. Called with the school's
schema active.

Every function validates its input, refuses with a ValidationError in the user's words and
changes nothing on refusal, and writes an audit entry for what it changed. Callers use
`journal.services.<name>`; the areas are:

- roster: classes, pupils and their movements by order, parents' links, subgroups;
- calendar: years, terms and their locks, holidays, grade schemes, the school's rules;
- timetable: subjects, curriculum, load, bells, the timetable and the lessons it makes;
- records: substitutions, topic, homework, marks and attendance of a lesson;
- substitutions: a teacher's absence and covering its lessons;
- checks: the deputy's check of a journal and its remarks' round trip;
- exams: промежуточная аттестация and exams, their results and retakes;
- finals: term and year marks, reopening a closed term;
- portfolio: a pupil's portfolio, added by the family and confirmed by the class teacher;
- plans: thematic plans and their planned dates, the term's programme note, рабочие программы;
- copies: the paper copies of the journal and their register;
- year_end: the school year turning over.
"""

from .calendar import (
    add_holiday,
    add_term,
    create_year,
    is_locked,
    is_school_day,
    remove_empty_lessons,
    set_grade_scheme,
    set_rules,
)
from .checks import check_journal, mark_fixed, settle_remark
from .copies import certify_journal_copy, print_journal_copy
from .exams import cancel_exam, schedule_exam, set_exam_results
from .finals import (
    reopen,
    set_final_mark,
    set_final_marks,
)
from .plans import (
    respread_plans,
    save_plan,
    spread_plan,
    upload_work_programme,
    write_programme_note,
)
from .portfolio import add_portfolio_entry, settle_portfolio_entry, withdraw_portfolio_entry
from .records import (
    HOMEWORK_FILE_MAX_MB,
    add_mark,
    add_remark,
    assign_substitution,
    attach_homework_file,
    change_mark,
    check_can_write,
    check_value,
    delete_mark,
    excuse_absences,
    record_lesson,
    restore_mark,
    set_absence_reason,
    set_attendance_of,
    set_homework,
    set_lesson_kind,
    set_topic,
    take_as_substitute,
    take_attendance,
)
from .roster import (
    PERSONAL,
    answer_correction,
    correct_pupil,
    create_class,
    create_subgroup,
    end_guardianship,
    enroll_pupil,
    link_invited_account,
    request_correction,
    transfer_pupil,
    withdraw_consent,
    withdraw_pupil,
)
from .substitutions import cover, record_teacher_absence, withdraw_teacher_absence
from .timetable import (
    add_lesson,
    add_slot,
    assign_load,
    cancel_lesson,
    create_subject,
    create_work_type,
    end_slot,
    generate_lessons,
    set_bell,
    set_curriculum,
    timetable_clashes,
)
from .year_end import turn_over_year, year_end_plan

__all__ = [
    "add_portfolio_entry",
    "settle_portfolio_entry",
    "withdraw_portfolio_entry",
    "set_lesson_kind",
    "upload_work_programme",
    "write_programme_note",
    "cancel_exam",
    "schedule_exam",
    "set_exam_results",
    "check_journal",
    "mark_fixed",
    "settle_remark",
    "set_attendance_of",
    "cover",
    "record_teacher_absence",
    "withdraw_teacher_absence",
    "PERSONAL",
    "answer_correction",
    "correct_pupil",
    "request_correction",
    "add_remark",
    "excuse_absences",
    "record_lesson",
    "HOMEWORK_FILE_MAX_MB",
    "add_holiday",
    "add_lesson",
    "add_mark",
    "add_slot",
    "add_term",
    "assign_load",
    "assign_substitution",
    "attach_homework_file",
    "cancel_lesson",
    "change_mark",
    "check_can_write",
    "certify_journal_copy",
    "check_value",
    "create_class",
    "create_subgroup",
    "create_subject",
    "create_work_type",
    "create_year",
    "delete_mark",
    "end_guardianship",
    "end_slot",
    "enroll_pupil",
    "generate_lessons",
    "is_locked",
    "is_school_day",
    "link_invited_account",
    "print_journal_copy",
    "remove_empty_lessons",
    "reopen",
    "respread_plans",
    "restore_mark",
    "save_plan",
    "set_absence_reason",
    "set_bell",
    "set_curriculum",
    "set_final_mark",
    "set_final_marks",
    "set_grade_scheme",
    "set_homework",
    "set_rules",
    "set_topic",
    "spread_plan",
    "take_as_substitute",
    "take_attendance",
    "timetable_clashes",
    "transfer_pupil",
    "turn_over_year",
    "withdraw_consent",
    "withdraw_pupil",
    "year_end_plan",
]
