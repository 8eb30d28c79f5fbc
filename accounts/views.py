import secrets
from datetime import datetime, timedelta

import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordChangeView
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_tenants.utils import get_public_schema_name, schema_context

from audit.models import AuditEntry, record
from groundwork.addresses import client_ip, host_url, portal_url
from groundwork.api import posted_id
from groundwork.errors import add_form_errors, explain, explain_form
from groundwork.throttles import throttled

from . import lockout, outside, services, two_factor
from .access import public, school_roles, signed_in
from .forms import (
    CodePasswordForm,
    ConsentForm,
    ContactCodeForm,
    EndMembershipForm,
    ForgottenPasswordForm,
    InvitationCodeForm,
    NewAccountForm,
    NewEmailForm,
    NewPhoneForm,
    PersonCorrectionForm,
    PreferenceForm,
    SignInForm,
    StaffInvitationForm,
)
from .middleware import roles_for
from .models import (
    STAFF_ROLES,
    Invitation,
    LoginAttempt,
    Membership,
    NotificationPreference,
    Role,
    User,
    identity_provider_name,
)
from .selectors import places_of

BACKEND = "accounts.backends.IdentifierBackend"


def _where_to_sign_in(user):
    """Links for a person who signed in at an address where they hold no role."""
    memberships = Membership.objects.active().filter(user=user).select_related("school")
    links = []
    for m in memberships:
        if m.school is None or m.role == Role.PARENT:
            links.append((_("Портал для родителей и управления образования"), portal_url("/login/")))
        else:
            links.append((m.school.short_name, host_url(m.school.host, "/login/")))
    return sorted(set(links))


@transaction.non_atomic_requests  # each attempt is committed before it is counted (accounts.lockout)
@public
@throttled("sign_in")
def login_view(request):
    form = SignInForm(request.POST or None)
    elsewhere, status = [], 200
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                form.cleaned_data["identifier"],
                form.cleaned_data["password"],
                ip=client_ip(request),
                host=request.get_host(),
                request=request,
            )
        except services.SignInError as error:
            form.add_error(None, str(error))
            status = 429 if error.locked else 200
        else:
            if roles_for(user, request.school):
                login(request, user, backend=BACKEND)
                response = HttpResponseRedirect(next_url)
                lockout.remember_device(response, lockout.login_key(form.cleaned_data["identifier"]))
                return response
            elsewhere = _where_to_sign_in(user)
            form.add_error(None, _("По этому адресу у вас нет доступа. Войдите там, где у вас есть роль:"))
    context = {"form": form, "next": next_url, "elsewhere": elsewhere, "providers": settings.IDENTITY_PROVIDERS}
    return render(request, "accounts/login.html", context, status=status)


OUTSIDE_PENDING, OUTSIDE_NEXT, OUTSIDE_LINKING = "outside_identity", "outside_next", "outside_linking"


@public
@throttled("sign_in", methods=("GET", "POST"))
def outside_start(request, key):
    """To the identity provider: to sign in (a link on the sign-in page) or, from the person's
    own page, to link that identity to the signed-in account (a POST)."""
    if outside.provider(key) is None:
        raise Http404
    next_url = request.GET.get("next") or "/"
    request.session[OUTSIDE_NEXT] = next_url if url_has_allowed_host_and_scheme(next_url, {request.get_host()}) else "/"
    request.session[OUTSIDE_LINKING] = request.method == "POST" and request.user.is_authenticated
    done = request.build_absolute_uri(reverse("outside_done", args=[key]))
    try:
        return outside.client(key).authorize_redirect(request, done)
    except (OAuthError, requests.RequestException, ValueError):
        messages.error(
            request,
            _("%(identity_provider_name)s сейчас не отвечает. Войдите по логину и паролю.")
            % {"identity_provider_name": identity_provider_name(key)},
        )
        return redirect("account" if request.session[OUTSIDE_LINKING] else "login")


@transaction.non_atomic_requests
@public
@throttled("sign_in")
def outside_done(request, key):
    """Back from the provider: the linked account signs in; an account with the SNILS the provider
    vouches for is offered the link; nobody else gets in, and no account is made."""
    if outside.provider(key) is None:
        raise Http404
    name, linking = identity_provider_name(key), request.session.pop(OUTSIDE_LINKING, False)
    try:
        identity = outside.identity_from(request, key)
    except (OAuthError, ValidationError, requests.RequestException, ValueError):
        messages.error(
            request,
            _("Вход через %(name)s не завершён. Попробуйте ещё раз или войдите по логину и паролю.") % {"name": name},
        )
        return redirect("account" if linking and request.user.is_authenticated else "login")
    if linking and request.user.is_authenticated:
        try:
            with transaction.atomic():
                services.link_outside_identity(request.user, identity, ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Вход через %(name)s подключён.") % {"name": name})
        return redirect("account")
    user = identity.linked_user()
    if user is not None:
        return _signed_in_from_outside(request, user, identity)
    candidate = identity.user_by_snils()
    if candidate is None:
        return render(request, "accounts/outside_unknown.html", {"name": name}, status=404)
    until = (timezone.now() + timedelta(minutes=10)).isoformat()
    request.session[OUTSIDE_PENDING] = {**identity.as_dict(), "user": candidate.pk, "until": until}
    return redirect("outside_link")


@transaction.non_atomic_requests
@public
def outside_link(request):
    """An account has the SNILS the provider vouched for: the person confirms it is theirs."""
    pending = request.session.get(OUTSIDE_PENDING)
    user = pending and User.objects.filter(pk=pending["user"], is_active=True).first()
    if not user or timezone.now() > datetime.fromisoformat(pending["until"]):
        request.session.pop(OUTSIDE_PENDING, None)
        messages.error(request, _("Время подтверждения истекло. Войдите через поставщика входа ещё раз."))
        return redirect("login")
    identity = outside.Identity.from_dict({k: v for k, v in pending.items() if k not in ("user", "until")})
    name = identity_provider_name(identity.provider)
    if request.method == "POST":
        del request.session[OUTSIDE_PENDING]
        try:
            with transaction.atomic():
                services.link_outside_identity(user, identity, ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, explain(error))
            return redirect("login")
        return _signed_in_from_outside(request, user, identity)
    return render(request, "accounts/outside_link.html", {"name": name, "person": user})


def _signed_in_from_outside(request, user, identity):
    ip = client_ip(request)
    LoginAttempt.objects.create(
        user=user,
        identifier=identity.provider,
        ip=ip,
        network=lockout.network_of(ip),
        host=request.get_host(),
        success=True,
    )
    if not roles_for(user, request.school):
        context = {"form": SignInForm(), "elsewhere": _where_to_sign_in(user), "providers": settings.IDENTITY_PROVIDERS}
        messages.error(request, _("По этому адресу у вас нет доступа. Войдите там, где у вас есть роль:"))
        return render(request, "accounts/login.html", context)
    login(request, user, backend=BACKEND)  # a second factor, if the person has one, is asked next
    return HttpResponseRedirect(request.session.pop(OUTSIDE_NEXT, "/"))


@public
@throttled("sign_in")
def password_forgot(request):
    """«Забыли пароль?»: the same answer whether or not the login is someone's."""
    form = ForgottenPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(
            form.cleaned_data["identifier"], ip=client_ip(request), host=request.get_host(), session=request.session
        )
        return render(request, "accounts/password_forgot.html", {"sent": True})
    return render(request, "accounts/password_forgot.html", {"form": form})


@public
@throttled("sign_in")
def password_code(request):
    """The code from the SMS with the new password: five tries, ten minutes."""
    form = CodePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password_with_code(
                form.cleaned_data["code"], form.cleaned_data["password"], session=request.session, ip=client_ip(request)
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Пароль изменён. Войдите с новым паролем."))
            return redirect("login")
    waiting = services.PENDING_RESET in request.session
    return render(request, "accounts/password_code.html", {"form": form, "waiting": waiting})


@public
@throttled("sign_in")
def password_reset(request, uidb64, token):
    """The link from the e-mail: a new password, once, within the hour."""
    try:
        user = User.objects.filter(pk=int(urlsafe_base64_decode(uidb64)), is_active=True).first()
    except (ValueError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_reset.html", {"expired": True}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(user, form.cleaned_data["new_password1"], ip=client_ip(request))
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("Пароль изменён. Войдите с новым паролем."))
            return redirect("login")
    return render(request, "accounts/password_reset.html", {"form": form})


@public
@require_POST
def logout_view(request):
    if request.user.is_authenticated:  # the notices stop reaching this device with its session
        services.unsubscribe_push(request.user, session_key=request.session.session_key, ip=client_ip(request))
    logout(request)
    return redirect("login")


@public
@throttled("invitation")
def invitation_enter(request):
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        return redirect("invitation", code=code)
    return render(request, "accounts/invitation_enter.html", {"form": form})


@transaction.non_atomic_requests  # a person with an account signs in here (accounts.lockout)
@public
@throttled("invitation", methods=("GET", "POST"))
def invitation_accept(request, code):
    invitation = Invitation.find(code)
    if invitation is None:
        return render(request, "accounts/invitation_missing.html", status=404)
    # Parents accept at the portal, staff and pupils at their school's own address.
    home_school = None if invitation.signs_in_at_portal else invitation.school
    if request.school != home_school:
        host = invitation.school.host if home_school else request.get_host().split(":")[0]
        target = portal_url(request.path) if home_school is None else host_url(host, request.path)
        return HttpResponseRedirect(target)
    if invitation.state != "active":
        message = services.INVITATION_STATE_MESSAGES[invitation.state]
        return render(request, "accounts/invitation_missing.html", {"message": message}, status=410)

    user = request.user if request.user.is_authenticated else None
    # A person who already has an account (a teacher of a second school, a parent of a second
    # child) proves it here: they hold no role at this address yet, so they cannot sign in first.
    existing = request.method == "POST" and "existing-identifier" in request.POST and user is None
    existing_form = None if user else SignInForm(request.POST if existing else None, prefix="existing")
    if existing and existing_form.is_valid():
        try:
            user = services.sign_in(
                existing_form.cleaned_data["identifier"],
                existing_form.cleaned_data["password"],
                ip=client_ip(request),
                host=request.get_host(),
                request=request,
            )
        except services.SignInError as error:
            existing_form.add_error(None, str(error))
    account_form = None if user or existing else NewAccountForm(request.POST or None, prefix="account")
    consent_form = ConsentForm(request.POST or None, staff=invitation.role in STAFF_ROLES)
    if request.method == "POST" and (user or (account_form and account_form.is_valid())) and consent_form.is_valid():
        new_account = (
            None
            if user
            else services.NewAccount(**{k: v for k, v in account_form.cleaned_data.items() if k != "password_again"})
        )
        try:
            user = services.redeem_invitation(
                invitation,
                ip=client_ip(request),
                user=user,
                new_account=new_account,
                consent=consent_form.cleaned_data["consent"],
            )
        except ValidationError as error:
            if "consent" in getattr(error, "message_dict", {}):
                consent_form.add_error("consent", error.message_dict["consent"])
            else:
                add_form_errors(account_form or consent_form, error)
            if existing:
                user = None
        else:
            login(request, user, backend=BACKEND)
            messages.success(
                request,
                _("Приглашение принято: %(role)s, %(school)s.")
                % {"role": invitation.get_role_display().lower(), "school": invitation.school.short_name},
            )
            return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "account_form": account_form,
            "consent_form": consent_form,
            "existing_form": existing_form if user is None else None,
            "needs_consent": invitation.role == Role.PARENT or invitation.role in STAFF_ROLES,
            "staff": invitation.role in STAFF_ROLES,
        },
    )


ACCOUNT_FORMS = {"email": NewEmailForm, "phone": NewPhoneForm}


@signed_in
def account(request):
    """The person's own page: who they are here, how they sign in and are told, what they may change."""
    user, action, ip = request.user, request.POST.get("action"), client_ip(request)
    preference = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    preference_form = PreferenceForm(request.POST if action == "preferences" else None, instance=preference)
    if request.method == "POST":
        try:
            if action in ACCOUNT_FORMS:
                form = ACCOUNT_FORMS[action](request.POST)
                if not form.is_valid():
                    raise ValidationError(explain_form(form))
                sent_to = services.start_contact_change(
                    user, action, form.cleaned_data[action], session=request.session, ip=ip
                )
                minutes = services.CODE_MINUTES[action]
                messages.success(
                    request,
                    _("Код отправлен на %(sent_to)s: введите его ниже в течение %(minutes)s минут.")
                    % {"sent_to": sent_to, "minutes": minutes},
                )
            elif action == "code":
                kind = services.confirm_contact_change(user, request.POST.get("code"), session=request.session, ip=ip)
                messages.success(
                    request,
                    _("E-mail изменён. На прежний адрес ушло уведомление.")
                    if kind == "email"
                    else _("Телефон изменён. На прежний номер ушло уведомление."),
                )
            elif action == "preferences":
                if not preference_form.is_valid():
                    raise ValidationError(explain_form(preference_form))
                services.set_notification_preference(preference_form, by=user, ip=ip)
                messages.success(request, _("Настройки уведомлений сохранены."))
            elif action == "device":
                if not services.unsubscribe_push(user, device_id=posted_id(request.POST.get("device")), ip=ip):
                    raise Http404
                messages.success(request, _("Это устройство больше не получает уведомления."))
            elif action == "unlink":
                if not services.unlink_outside_identity(user, posted_id(request.POST.get("link")), ip=ip):
                    raise Http404
                messages.success(request, _("Вход через поставщика отключён."))
            elif action == "consent":
                membership = Membership.objects.at(request.school).filter(user=user, role__in=STAFF_ROLES).first()
                if membership is None or request.POST.get("consent") != "on":
                    raise ValidationError(_("Отметьте согласие на обработку персональных данных."))
                services.give_staff_consent(membership, ip=ip)
                messages.success(request, _("Согласие записано."))
            elif action == "elsewhere":
                user.sign_out_elsewhere(request)
                record("user.signed_out_elsewhere", user, by=user, ip=ip)
                messages.success(request, _("Входы на всех других устройствах завершены."))
            else:
                raise ValidationError(_("Выберите действие."))
        except ValidationError as error:
            messages.error(request, explain(error))
        return redirect("account")
    pending = request.session.get(services.PENDING_CONTACT)
    return render(
        request,
        "accounts/account.html",
        {
            "email_form": NewEmailForm(),
            "phone_form": NewPhoneForm(),
            "code_form": ContactCodeForm(),
            "preference_form": preference_form,
            "pending": pending and pending["value"],
            "role_labels": [Role(role).label for role in sorted(request.roles)],
            "devices": user.push_subscriptions.filter(ended_at__isnull=True).order_by("created_at"),
            "two_factor_on": two_factor.has_device(user),
            "staff_memberships": Membership.objects.at(request.school).filter(user=user, role__in=STAFF_ROLES)
            if request.school
            else [],
            "identities": user.outside_identities.filter(ended_at__isnull=True),
            "sign_ins": [
                (
                    attempt,
                    identity_provider_name(attempt.identifier)
                    if attempt.identifier in settings.IDENTITY_PROVIDERS
                    else _("пароль"),
                )
                for attempt in LoginAttempt.objects.filter(user=user, success=True).order_by("-at")[:10]
            ],
            "providers": settings.IDENTITY_PROVIDERS,
        },
    )


class PasswordChange(PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        record("user.password_changed", self.request.user, by=self.request.user, ip=client_ip(self.request))
        messages.success(self.request, _("Пароль изменён."))
        return response


@school_roles(Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.CLERK)
def staff_list(request):
    school = request.school
    memberships = (
        Membership.objects.at(school)
        .filter(role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )
    invitations = Invitation.objects.filter(
        school=school, role__in=STAFF_ROLES, used_at__isnull=True, revoked_at__isnull=True
    ).order_by("-issued_at")
    form = StaffInvitationForm()
    return render(
        request,
        "accounts/staff_list.html",
        {
            "memberships": memberships,
            "invitations": invitations,
            "form": form,
            "can_invite": Role.SCHOOL_ADMIN in request.roles,
            "can_correct": bool(request.roles & PERSONAL_DATA),
        },
    )


PERSONAL_DATA = {Role.SCHOOL_ADMIN, Role.CLERK}  # who keeps staff's personal data (and pupils')


@school_roles(*PERSONAL_DATA)
def staff_correct(request, membership_id):
    """A member of staff's name put right, with the order behind it, and the corrections so far."""
    membership = get_object_or_404(
        Membership.objects.at(request.school).filter(role__in=STAFF_ROLES).select_related("user"), pk=membership_id
    )
    person = membership.user
    form = PersonCorrectionForm(request.POST or None, initial={f: getattr(person, f) for f in services.PERSON_FIELDS})
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(explain_form(form))
            services.correct_person(person, by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("ФИО исправлены; прежние сохранены в истории."))
            return redirect("staff_correct", membership_id=membership_id)
    with schema_context(get_public_schema_name()):  # a person's history is kept in public (audit.record)
        history = list(
            AuditEntry.objects.filter(action="user.corrected", target_type="accounts.user", target_id=person.pk)
            .select_related("actor")
            .order_by("-at")
        )
    return render(
        request,
        "accounts/staff_correct.html",
        {"membership": membership, "person": person, "form": form, "history": history},
    )


@require_POST
@school_roles(Role.SCHOOL_ADMIN)
def staff_invite(request):
    form = StaffInvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Проверьте роль и ФИО сотрудника."))
        return redirect("staff")
    try:
        invitation, code = services.issue_invitation(
            school=request.school,
            role=form.cleaned_data["role"],
            by=request.user,
            ip=client_ip(request),
            full_name=form.cleaned_data["full_name"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
        return redirect("staff")
    return render(
        request,
        "accounts/invitation_slip.html",
        {
            "invitation": invitation,
            "code": code,
            "link": host_url(request.school.host, f"/invite/{code}/"),
        },
    )


@require_POST
@school_roles(Role.SCHOOL_ADMIN)
def staff_end(request, membership_id):
    membership = get_object_or_404(Membership.objects.at(request.school).filter(role__in=STAFF_ROLES), pk=membership_id)
    form = EndMembershipForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Укажите основание (например, номер приказа)."))
        services.end_membership(membership, by=request.user, ip=client_ip(request), reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(
            request,
            _("Роль «%(get_role_display)s» у %(short_name)s завершена.")
            % {"get_role_display": membership.get_role_display(), "short_name": membership.user.short_name},
        )
    return redirect("staff")


@require_POST
@school_roles(Role.SCHOOL_ADMIN)
def staff_two_factor_reset(request, membership_id):
    """A member of staff lost the phone with the app and the recovery codes."""
    membership = get_object_or_404(Membership.objects.at(request.school).filter(role__in=STAFF_ROLES), pk=membership_id)
    try:
        two_factor.reset(membership.user, by=request.user, ip=client_ip(request), reason=request.POST.get("reason"))
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(
            request,
            _("Вход с кодом из приложения у %(short_name)s сброшен.") % {"short_name": membership.user.short_name},
        )
    return redirect("staff")


@require_POST
@school_roles(Role.SCHOOL_ADMIN, Role.CLASS_TEACHER)
def invitation_revoke(request, invitation_id):
    mine = (
        Q(issued_by=request.user) | Q(role__in=STAFF_ROLES)
        if Role.SCHOOL_ADMIN in request.roles
        else Q(issued_by=request.user)
    )
    invitation = get_object_or_404(Invitation.objects.filter(mine, school=request.school), pk=invitation_id)
    try:
        services.revoke_invitation(invitation, by=request.user, ip=client_ip(request))
    except ValidationError as error:
        messages.error(request, explain(error))
    else:
        messages.success(request, _("Приглашение отозвано."))
    return redirect(
        request.POST.get("back")
        if url_has_allowed_host_and_scheme(request.POST.get("back"), {request.get_host()})
        else "home"
    )


HANDOFF_SECONDS = 60


@signed_in
@require_POST
def switch(request, key):
    """Moves a signed-in person to another of their places (a second school, the portal)
    without typing the password again: a signed, one-time, one-minute pass for that host."""
    place = next((p for p in places_of(request.user) if p[0] == key), None)
    if place is None:
        raise Http404
    nonce = secrets.token_urlsafe(16)
    caches["shared"].set(f"handoff:{nonce}", request.user.pk, HANDOFF_SECONDS)  # no schema in its keys
    # A second factor given here counts there too: it is the same person in the same browser.
    device = request.user.otp_device.persistent_id if request.user.is_verified() else None
    token = signing.dumps({"user": request.user.pk, "host": place[2], "nonce": nonce, "otp": device}, salt="handoff")
    return HttpResponseRedirect(host_url(place[2], f"/login/handoff/?token={token}"))


@public
def handoff(request):
    try:
        data = signing.loads(request.GET.get("token", ""), salt="handoff", max_age=HANDOFF_SECONDS)
    except signing.BadSignature:
        data = None
    host = request.get_host().split(":")[0]
    # One use only, and only at the host it was made for.
    passes = caches["shared"]
    valid = (
        bool(data)
        and data.get("host") == host
        and passes.get(f"handoff:{data.get('nonce')}") == data.get("user")
        and passes.delete(f"handoff:{data['nonce']}")
    )
    if not valid:
        messages.error(request, _("Ссылка для перехода устарела. Войдите ещё раз."))
        return redirect("login")
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    if user is None or not roles_for(user, request.school):
        return redirect("login")
    login(request, user, backend=BACKEND)
    device = Device.from_persistent_id(data["otp"]) if data.get("otp") else None
    if device is not None:
        otp_login(request, device)  # refused by django-otp unless the device is this person's
    record("user.switched", user, by=user, ip=client_ip(request), new={"host": host})
    return redirect("home")


@signed_in
@throttled("two_factor")
def two_factor_page(request):
    """Sets up the authenticator app (with recovery codes, shown once), or asks for its code."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    user, ip, error = request.user, client_ip(request), None
    if request.method == "POST" and request.POST.get("action") == "recovery" and user.is_verified():
        return render(
            request, "accounts/two_factor_codes.html", {"codes": two_factor.new_recovery_codes(user), "next": next_url}
        )
    if two_factor.has_device(user):
        if user.is_verified():
            return render(request, "accounts/two_factor.html", {"state": "on", "next": next_url})
        if request.method == "POST":
            if two_factor.verify(request, request.POST.get("code"), ip=ip):
                return HttpResponseRedirect(next_url)
            error = _("Код не подошёл. Введите код из приложения или неиспользованный резервный код.")
        return render(request, "accounts/two_factor.html", {"state": "verify", "error": error, "next": next_url})
    device = two_factor.pending_app(request)
    if request.method == "POST":
        codes = two_factor.confirm_app(request, device, request.POST.get("code"), ip=ip)
        if codes is not None:
            return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": next_url})
        error = _("Код не подошёл: проверьте время на телефоне и введите код, который приложение показывает сейчас.")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "state": "setup",
            "error": error,
            "next": next_url,
            "qr": two_factor.setup_qr_svg(device),
            "secret": two_factor.secret_of(device),
            "required": two_factor.needed(request),
        },
    )
