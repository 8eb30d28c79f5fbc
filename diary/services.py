from accounts.access import client_ip

from .models import DataView


def log_view(request, pupils, page=None):
    """Records that this request showed these pupils' data. Called with the school's schema active."""
    ids = sorted({p if isinstance(p, int) else p.pk for p in pupils})
    if ids and request.user.is_authenticated:
        DataView.objects.create(viewer=request.user, ip=client_ip(request), page=(page or request.path)[:200],
                                pupil_ids=ids)
