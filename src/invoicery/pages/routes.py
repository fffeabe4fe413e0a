"""Routes of the hosted payment page: view it, pay by card, pay by bank account.

Public (no API token): the unguessable page token in the URL is the authority. Every
form carries a CSRF token (see `invoicery.pages.csrf`). Failures the payer can fix
re-render the page with messages; others become HTML error pages through the "/pay/"
error format installed by the app.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from invoicery.config import Settings
from invoicery.domain.errors import InvalidInput, InvalidState, TooManyAttempts
from invoicery.pages import csrf
from invoicery.pages.render import page_response, redirect
from invoicery.pages.view import build_view
from invoicery.payments.processor import PaymentProcessor
from invoicery.service import payments
from invoicery.service.payments import BankForm, CardForm, PaymentOutcome
from invoicery.store.database import Database
from invoicery.web.collaborators import page_secret_of
from invoicery.web.urls import PAGES_PREFIX, page_path

__all__ = ["router"]

router = APIRouter(prefix=PAGES_PREFIX, include_in_schema=False)

FormText = Annotated[str, Form()]
_SESSION_EXPIRED = "Your session expired. Please check the details and submit again."


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _processor(request: Request) -> PaymentProcessor:
    processor: PaymentProcessor = request.app.state.processor
    return processor


async def _key(request: Request) -> bytes:
    return await page_secret_of(request.app.state)


async def _render(
    request: Request, token: str, *, status_code: int = 200, **context: Any
) -> Response:
    """The page for `token` as it stands now, with a CSRF token and the given messages."""
    page = await payments.page(_db(request), token=token)
    key = await _key(request)
    cookie = request.cookies.get(csrf.COOKIE_NAME)
    if not csrf.is_well_formed(cookie):
        cookie = csrf.new_cookie()
    assert cookie is not None
    card_errors: dict[str, str] = context.pop("card_errors", {})
    bank_errors: dict[str, str] = context.pop("bank_errors", {})
    response = page_response(
        "pay.html",
        {
            "view": build_view(page, token=token),
            "csrf_token": csrf.form_token(key, token, cookie),
            "notice": context.pop("notice", None),
            "card_alert": context.pop("card_alert", None),
            "bank_alert": context.pop("bank_alert", None),
            "card_errors": card_errors,
            "bank_errors": bank_errors,
            "card_first_error": next(iter(card_errors), None),
            "bank_first_error": next(iter(bank_errors), None),
            "card_values": context.pop("card_values", {}),
            "bank_values": context.pop("bank_values", {}),
            "bank_open": context.pop("bank_open", False),
        },
        status_code=status_code,
    )
    response.set_cookie(
        csrf.COOKIE_NAME,
        cookie,
        path=page_path(token),
        httponly=True,
        secure=_settings(request).resolved_public_url().startswith("https://"),
        samesite="strict",
    )
    return response


async def _csrf_ok(request: Request, token: str, submitted: str) -> bool:
    cookie = request.cookies.get(csrf.COOKIE_NAME)
    return csrf.verify(await _key(request), token, cookie, submitted)


@router.get("/{token}")
async def show_page(request: Request, token: str) -> Response:
    """The hosted payment page."""
    return await _render(request, token)


@router.post("/{token}/card")
async def pay_by_card(
    request: Request,
    token: str,
    csrf_token: FormText = "",
    name: FormText = "",
    number: FormText = "",
    expiry: FormText = "",
    cvc: FormText = "",
) -> Response:
    """Pay the invoice by card; redirect to the page (now PAID) on success."""
    values = {"name": name, "expiry": expiry}
    if not await _csrf_ok(request, token, csrf_token):
        return await _render(
            request, token, status_code=403, card_values=values, notice=_SESSION_EXPIRED
        )
    settings = _settings(request)
    try:
        result = await payments.pay_by_card(
            _db(request),
            _processor(request),
            token=token,
            form=CardForm(name=name, number=number, expiry=expiry, cvc=cvc),
            processor_timeout=settings.processor_timeout_seconds,
        )
    except InvalidInput as error:
        return await _render(
            request, token, status_code=422, card_errors=error.fields, card_values=values
        )
    except InvalidState as error:
        return await _render(request, token, status_code=409, notice=_sentence(error.message))
    except TooManyAttempts as error:
        return await _refused(request, token, error)
    if result.outcome is PaymentOutcome.PAID:
        return redirect(page_path(token))
    status_code = 402 if result.outcome is PaymentOutcome.DECLINED else 503
    return await _render(
        request, token, status_code=status_code, card_alert=result.message, card_values=values
    )


@router.post("/{token}/bank")
async def pay_by_bank(
    request: Request,
    token: str,
    csrf_token: FormText = "",
    name: FormText = "",
    routing: FormText = "",
    account: FormText = "",
    account_type: FormText = "",
) -> Response:
    """Start an ACH debit; redirect to the page (now RECEIVED) when it is accepted."""
    values = {"name": name, "routing": routing, "account_type": account_type}
    if not await _csrf_ok(request, token, csrf_token):
        return await _render(
            request,
            token,
            status_code=403,
            bank_values=values,
            bank_open=True,
            notice=_SESSION_EXPIRED,
        )
    settings = _settings(request)
    delay = settings.ach_settlement_seconds
    try:
        result = await payments.pay_by_bank(
            _db(request),
            _processor(request),
            token=token,
            form=BankForm(name=name, routing=routing, account=account, account_type=account_type),
            processor_timeout=settings.processor_timeout_seconds,
            settlement_delay=None if delay is None else timedelta(seconds=delay),
        )
    except InvalidInput as error:
        return await _render(
            request,
            token,
            status_code=422,
            bank_errors=error.fields,
            bank_values=values,
            bank_open=True,
        )
    except InvalidState as error:
        return await _render(request, token, status_code=409, notice=_sentence(error.message))
    except TooManyAttempts as error:
        return await _refused(request, token, error)
    if result.outcome is PaymentOutcome.SUBMITTED:
        return redirect(page_path(token))
    status_code = 402 if result.outcome is PaymentOutcome.DECLINED else 503
    return await _render(
        request,
        token,
        status_code=status_code,
        bank_alert=result.message,
        bank_values=values,
        bank_open=True,
    )


async def _refused(request: Request, token: str, error: TooManyAttempts) -> Response:
    """The page with the refusal as its notice: 429 with Retry-After, the form still there."""
    response = await _render(request, token, status_code=429, notice=_sentence(error.message))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _sentence(message: str) -> str:
    text = message[:1].upper() + message[1:]
    return text if text.endswith(".") else f"{text}."
