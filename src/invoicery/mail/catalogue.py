"""The words of every e-mail, one dictionary per language: edit these to change the text.

The layout lives in `templates/` (one .html and one .txt file per kind of e-mail); the
sentences and labels those templates show live here. Every language has the same keys.

Words in braces are filled in when a message is built:

- {merchant}: the merchant's name; {customer}: the customer's name
- {number}: the invoice number; {filename}: the attached PDF's file name
- {amount}: the amount due; {total}: the invoice total; {paid}: the amount paid
- {issue_date}, {due_date}, {paid_at}: dates, written the language's way
- {days}: days before or after the due date (reminders)

A key ending in ".one" or ".other" is the singular or plural form of a sentence with
{days}; the form is picked by the language's plural rules ("1 day", "2 days").
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATALOGUES", "DE", "EN", "FR"]

EN: Final[dict[str, str]] = {
    "subject.invoice_issued": "Invoice {number} from {merchant}",
    "subject.reminder_before_due": (
        "Reminder: invoice {number} from {merchant} is due on {due_date}"
    ),
    "subject.reminder_due_today": "Invoice {number} from {merchant} is due today",
    "subject.reminder_overdue": "Overdue: invoice {number} from {merchant}",
    "subject.payment_receipt": "Receipt for your payment of invoice {number} from {merchant}",
    "greeting": "Hello {customer},",
    "greeting.anonymous": "Hello,",
    "intro.invoice_issued": "{merchant} has sent you invoice {number}.",
    "intro.reminder_before_due.one": (
        "A friendly reminder: invoice {number} from {merchant} is due in {days} day, on {due_date}."
    ),
    "intro.reminder_before_due.other": (
        "A friendly reminder: invoice {number} from {merchant} is due in {days} days,"
        " on {due_date}."
    ),
    "intro.reminder_due_today": (
        "A friendly reminder: invoice {number} from {merchant} is due today, {due_date}."
    ),
    "intro.reminder_overdue.one": (
        "Invoice {number} from {merchant} was due on {due_date}, {days} day ago,"
        " and has not been paid in full yet."
    ),
    "intro.reminder_overdue.other": (
        "Invoice {number} from {merchant} was due on {due_date}, {days} days ago,"
        " and has not been paid in full yet."
    ),
    "intro.payment_receipt": (
        "Thank you! {merchant} has received your payment of {paid} for invoice {number}."
    ),
    "label.invoice_number": "Invoice number",
    "label.issue_date": "Issue date",
    "label.due_date": "Due date",
    "label.total": "Total",
    "label.amount_due": "Amount due",
    "label.amount_paid": "Amount paid",
    "label.paid_on": "Paid on",
    "label.balance": "Balance remaining",
    "action.pay": "Pay now",
    "action.pay_text": "Pay online:",
    "note.attached": "The invoice is attached as a PDF ({filename}).",
    "note.already_paid": "If you have already paid, thank you, and please disregard this reminder.",
    "note.paid_in_full": "The invoice is now paid in full.",
    "portal.text": "All your invoices and receipts are in the customer portal:",
    "portal.link": "Open the customer portal",
    "footer": "This e-mail was sent by Invoicery on behalf of {merchant}.",
}

DE: Final[dict[str, str]] = {
    "subject.invoice_issued": "Rechnung {number} von {merchant}",
    "subject.reminder_before_due": (
        "Erinnerung: Rechnung {number} von {merchant} ist am {due_date} fällig"
    ),
    "subject.reminder_due_today": "Rechnung {number} von {merchant} ist heute fällig",
    "subject.reminder_overdue": "Überfällig: Rechnung {number} von {merchant}",
    "subject.payment_receipt": "Zahlungsbestätigung für Rechnung {number} von {merchant}",
    "greeting": "Hallo {customer},",
    "greeting.anonymous": "Hallo,",
    "intro.invoice_issued": "{merchant} hat Ihnen die Rechnung {number} gesendet.",
    "intro.reminder_before_due.one": (
        "Eine freundliche Erinnerung: Die Rechnung {number} von {merchant} ist in {days} Tag"
        " fällig, am {due_date}."
    ),
    "intro.reminder_before_due.other": (
        "Eine freundliche Erinnerung: Die Rechnung {number} von {merchant} ist in {days} Tagen"
        " fällig, am {due_date}."
    ),
    "intro.reminder_due_today": (
        "Eine freundliche Erinnerung: Die Rechnung {number} von {merchant} ist heute,"
        " am {due_date}, fällig."
    ),
    "intro.reminder_overdue.one": (
        "Die Rechnung {number} von {merchant} war am {due_date} fällig, vor {days} Tag,"
        " und ist noch nicht vollständig bezahlt."
    ),
    "intro.reminder_overdue.other": (
        "Die Rechnung {number} von {merchant} war am {due_date} fällig, vor {days} Tagen,"
        " und ist noch nicht vollständig bezahlt."
    ),
    "intro.payment_receipt": (
        "Vielen Dank! {merchant} hat Ihre Zahlung von {paid} für die Rechnung {number} erhalten."
    ),
    "label.invoice_number": "Rechnungsnummer",
    "label.issue_date": "Rechnungsdatum",
    "label.due_date": "Fällig am",
    "label.total": "Gesamtbetrag",
    "label.amount_due": "Offener Betrag",
    "label.amount_paid": "Gezahlter Betrag",
    "label.paid_on": "Bezahlt am",
    "label.balance": "Verbleibender Betrag",
    "action.pay": "Jetzt bezahlen",
    "action.pay_text": "Online bezahlen:",
    "note.attached": "Die Rechnung finden Sie als PDF im Anhang ({filename}).",
    "note.already_paid": (
        "Falls Sie bereits bezahlt haben, vielen Dank; diese Erinnerung ist dann gegenstandslos."
    ),
    "note.paid_in_full": "Die Rechnung ist damit vollständig bezahlt.",
    "portal.text": "Alle Ihre Rechnungen und Belege finden Sie im Kundenportal:",
    "portal.link": "Zum Kundenportal",
    "footer": "Diese E-Mail wurde von Invoicery im Auftrag von {merchant} versendet.",
}

FR: Final[dict[str, str]] = {
    "subject.invoice_issued": "Facture {number} de {merchant}",
    "subject.reminder_before_due": (
        "Rappel : la facture {number} de {merchant} arrive à échéance le {due_date}"
    ),
    "subject.reminder_due_today": (
        "La facture {number} de {merchant} arrive à échéance aujourd’hui"
    ),
    "subject.reminder_overdue": "En retard : facture {number} de {merchant}",
    "subject.payment_receipt": "Reçu de paiement pour la facture {number} de {merchant}",
    "greeting": "Bonjour {customer},",
    "greeting.anonymous": "Bonjour,",
    "intro.invoice_issued": "{merchant} vous a envoyé la facture {number}.",
    "intro.reminder_before_due.one": (
        "Petit rappel : la facture {number} de {merchant} arrive à échéance dans {days} jour,"
        " le {due_date}."
    ),
    "intro.reminder_before_due.other": (
        "Petit rappel : la facture {number} de {merchant} arrive à échéance dans {days} jours,"
        " le {due_date}."
    ),
    "intro.reminder_due_today": (
        "Petit rappel : la facture {number} de {merchant} arrive à échéance aujourd’hui,"
        " le {due_date}."
    ),
    "intro.reminder_overdue.one": (
        "La facture {number} de {merchant} était due le {due_date}, il y a {days} jour,"
        " et n’a pas encore été réglée en totalité."
    ),
    "intro.reminder_overdue.other": (
        "La facture {number} de {merchant} était due le {due_date}, il y a {days} jours,"
        " et n’a pas encore été réglée en totalité."
    ),
    "intro.payment_receipt": (
        "Merci ! {merchant} a bien reçu votre paiement de {paid} pour la facture {number}."
    ),
    "label.invoice_number": "Numéro de facture",
    "label.issue_date": "Date d’émission",
    "label.due_date": "Date d’échéance",
    "label.total": "Total",
    "label.amount_due": "Montant dû",
    "label.amount_paid": "Montant payé",
    "label.paid_on": "Payé le",
    "label.balance": "Solde restant",
    "action.pay": "Payer maintenant",
    "action.pay_text": "Payer en ligne :",
    "note.attached": "La facture est jointe au format PDF ({filename}).",
    "note.already_paid": (
        "Si vous avez déjà payé, merci, et veuillez ne pas tenir compte de ce rappel."
    ),
    "note.paid_in_full": "La facture est désormais entièrement réglée.",
    "portal.text": "Retrouvez toutes vos factures et tous vos reçus dans l’espace client :",
    "portal.link": "Ouvrir l’espace client",
    "footer": "Cet e-mail a été envoyé par Invoicery pour le compte de {merchant}.",
}

CATALOGUES: Final[dict[str, dict[str, str]]] = {"en": EN, "de": DE, "fr": FR}
"""Every language's words, by language code (the codes of `locales.SUPPORTED`)."""
