"""A school's own address: <slug>.<BASE_DOMAIN>. The school's schema is active."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts import views as accounts_views
from diary import api as diary_api
from diary import views as diary_views
from journal import api as journal_api
from journal import views as journal_views
from monitoring import views as monitoring_views

from .urls_common import OPEN
from .urls_common import urlpatterns as common

handler404 = "groundwork.errors.not_found"
handler500 = "groundwork.errors.server_error"

urlpatterns = common + [
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="config.urls_school", permission_classes=[OPEN]),
        name="api_schema",
    ),
    path("", journal_views.home, name="home"),
    path("staff/", accounts_views.staff_list, name="staff"),
    path("staff/invite/", accounts_views.staff_invite, name="staff_invite"),
    path("staff/<int:membership_id>/end/", accounts_views.staff_end, name="staff_end"),
    path("invitations/<int:invitation_id>/revoke/", accounts_views.invitation_revoke, name="invitation_revoke"),
    path("classes/", journal_views.class_list, name="class_list"),
    path("classes/<int:class_id>/", journal_views.class_detail, name="class_detail"),
    path("classes/<int:class_id>/pupils/<int:pupil_id>/invite/", journal_views.family_invite, name="family_invite"),
    path("classes/<int:class_id>/guardians/<int:guardian_id>/end/", journal_views.guardian_end, name="guardian_end"),
    path("api/v1/classes/", journal_api.ClassList.as_view(), name="api_classes"),
    path("api/v1/classes/<int:class_id>/pupils/", journal_api.ClassPupils.as_view(), name="api_class_pupils"),
    path("timetable/", journal_views.timetable, name="timetable"),
    path("timetable/classes/<int:class_id>/", journal_views.class_timetable, name="class_timetable"),
    path("timetable/teachers/<int:user_id>/", journal_views.teacher_timetable, name="teacher_timetable"),
    path("lessons/<int:lesson_id>/", journal_views.lesson_page, name="lesson"),
    path("lessons/<int:lesson_id>/files/<int:file_id>/", journal_views.homework_file, name="homework_file"),
    path("substitutions/", journal_views.substitutions, name="substitutions"),
    path("journal/", journal_views.journal_list, name="journal_list"),
    path("journal/<int:class_id>/<int:subject_id>/", journal_views.journal_page, name="journal"),
    path("api/v1/lessons/", journal_api.LessonList.as_view(), name="api_lessons"),
    path("api/v1/lessons/<int:lesson_id>/", journal_api.lesson_detail, name="api_lesson"),
    path("api/v1/lessons/<int:lesson_id>/attendance/", journal_api.lesson_attendance, name="api_lesson_attendance"),
    path("api/v1/lessons/<int:lesson_id>/substitute/", journal_api.lesson_substitute, name="api_lesson_substitute"),
    path("api/v1/substitutions/", journal_api.substitutions, name="api_substitutions"),
    path("api/v1/attendance/<int:attendance_id>/reason/", journal_api.attendance_reason, name="api_attendance_reason"),
    path("api/v1/marks/", journal_api.marks, name="api_marks"),
    path("api/v1/marks/<int:mark_id>/", journal_api.mark_detail, name="api_mark"),
    path("api/v1/marks/<int:mark_id>/restore/", journal_api.mark_restore, name="api_mark_restore"),
    path("api/v1/history/", journal_api.history, name="api_history"),
    path("api/v1/final-marks/", journal_api.final_marks, name="api_final_marks"),
    path("api/v1/journal/", journal_api.journal, name="api_journal"),
    path("setup/", journal_views.setup, name="setup"),
    path("setup/<str:what>/", journal_views.setup_add, name="setup_add"),
    path("setup/slots/<int:slot_id>/end/", journal_views.slot_end, name="slot_end"),
    path("setup/lessons/generate/", journal_views.lessons_generate, name="lessons_generate"),
    path("imports/", journal_views.import_start, name="imports"),
    path("imports/<int:batch_id>/", journal_views.import_preview, name="import_preview"),
    path("classes/<int:class_id>/enroll/", journal_views.class_enroll, name="class_enroll"),
    path("classes/<int:class_id>/pupils/<int:pupil_id>/move/", journal_views.pupil_move, name="pupil_move"),
    path("classes/<int:class_id>/subgroups/", journal_views.subgroup_add, name="subgroup_add"),
    path("classes/<int:class_id>/absences/", journal_views.absences, name="absences"),
    path("control/", journal_views.control, name="control"),
    path("control/missed-lessons/", journal_views.missed_lessons, name="missed_lessons"),
    path("reports/progress/", journal_views.progress, name="progress"),
    path("journal-copies/", journal_views.journal_copies, name="journal_copies"),
    path("journal-copies/<int:copy_id>.pdf", journal_views.journal_copy_file, name="journal_copy_file"),
    path("journal-copies/<int:copy_id>/certify/", journal_views.journal_copy_certify, name="journal_copy_certify"),
    path("year-end/", journal_views.year_end, name="year_end"),
    path("archives/", journal_views.archives, name="archives"),
    path("archives/<int:export_id>.zip", journal_views.archive_zip, name="archive_zip"),
    path("plans/<int:class_id>/<int:subject_id>/", journal_views.plan_page, name="plan"),
    path("api/v1/years/", journal_api.YearList.as_view(), name="api_years"),
    path("api/v1/terms/", journal_api.TermList.as_view(), name="api_terms"),
    path("api/v1/holidays/", journal_api.HolidayList.as_view(), name="api_holidays"),
    path("api/v1/grade-schemes/", journal_api.GradeSchemeList.as_view(), name="api_grade_schemes"),
    path("api/v1/subjects/", journal_api.SubjectList.as_view(), name="api_subjects"),
    path("api/v1/work-types/", journal_api.WorkTypeList.as_view(), name="api_work_types"),
    path("api/v1/curriculum/", journal_api.CurriculumList.as_view(), name="api_curriculum"),
    path("api/v1/bells/", journal_api.BellList.as_view(), name="api_bells"),
    path("api/v1/load/", journal_api.LoadList.as_view(), name="api_load"),
    path("api/v1/timetable/", journal_api.TimetableList.as_view(), name="api_timetable"),
    path("api/v1/reopenings/", journal_api.ReopeningList.as_view(), name="api_reopenings"),
    path("api/v1/pupils/<int:pupil_id>/move/", journal_api.pupil_move, name="api_pupil_move"),
    path("journal/<int:class_id>/<int:subject_id>/final/", journal_views.final_marks_page, name="final_marks"),
    path("diary/", diary_views.own_page, name="diary"),
    path("diary/marks/", diary_views.own_page, {"page": "marks"}, name="diary_marks"),
    path("diary/attendance/", diary_views.own_page, {"page": "attendance"}, name="diary_attendance"),
    path("diary/views/", diary_views.own_page, {"page": "views"}, name="diary_views"),
    path("diary/files/<int:lesson_id>/<int:file_id>/", diary_views.own_file, name="diary_file"),
    path("api/v1/diary/week/", diary_api.own_week, name="api_diary_week"),
    path("api/v1/diary/marks/", diary_api.own_marks, name="api_diary_marks"),
    path("classes/<int:class_id>/weekly-report/", diary_views.weekly_report, name="weekly_report"),
    path("classes/<int:class_id>/summary/", journal_views.summary_sheet, name="summary_sheet"),
    path("classes/<int:class_id>/summary.pdf", journal_views.summary_sheet, {"kind": "pdf"}, name="summary_sheet_pdf"),
    path("messages/", diary_views.staff_messages, name="messages"),
    path("messages/new/", diary_views.staff_new, name="message_new"),
    path("messages/<int:thread_id>/", diary_views.staff_thread, name="thread"),
    path("messages/<int:thread_id>/files/<int:message_id>/", diary_views.staff_attachment, name="message_file"),
    path("news/", diary_views.news, name="news"),
    path("classes/<int:class_id>/meeting/", diary_views.meeting, name="meeting"),
    path("quality/", monitoring_views.school, name="quality"),
    path("quality/reports/", monitoring_views.school_reports, name="school_reports"),
    path("quality/reports/<int:report_id>/", monitoring_views.school_report, name="school_report"),
    path("quality/reports/<int:report_id>.<str:kind>", monitoring_views.school_report, name="school_report_file"),
]
