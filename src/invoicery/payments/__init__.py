"""Payments: card and bank-account input rules, the processor interface, the sandbox processor.

Everything here is pure or talks only to a processor; nothing imports the web framework
or the database. A real processor (Stripe PaymentIntents, say) is one more module that
implements `invoicery.payments.processor.PaymentProcessor` and is named in `registry`.
"""
