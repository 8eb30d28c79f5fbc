from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = gettext_lazy("Журнал")

    def ready(self):
        # The layers below the journal learn of it only here: they import none of it.
        from accounts.signals import pupil_invitation_accepted
        from tenants import figures

        from .selectors import school_figures
        from .services import link_invited_account

        pupil_invitation_accepted.connect(link_invited_account, dispatch_uid="journal.link_invited_account")
        figures.register(school_figures)
