from celery import shared_task

from .delivery import send_waiting


@shared_task
def send_text_messages():
    """After each new message, and every minute for those that wait (sms.delivery)."""
    return send_waiting()
