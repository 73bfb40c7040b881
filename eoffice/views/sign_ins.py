"""The tenant administrator's page of sign-ins held back now: accounts whose untrusted clients
must wait between attempts, and account and address pairs cooling down after wrong passwords.

An administrator sees who is affected (an officer calling to say they cannot get in, or an
account under attack) without being able to lift it: the limits end by themselves, and a reset
of the password is the way in meanwhile.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.login_throttle import affected, limits
from eoffice.views.org_admin import admin_required


@admin_required
@require_GET
def held_back(request: HttpRequest) -> HttpResponse:
    rules = limits()
    context = {
        "entries": affected(),
        "pair_failures": rules["PAIR_FAILURES"],
        "cool_down_minutes": rules["COOL_DOWN"] // 60,
        "slow_after": rules["ACCOUNT_SLOW_AFTER"],
    }
    return render(request, "eoffice/manage/sign_ins.html", context)
